"""Reasons behind a score. Rule-based models state theirs with `texts.reason(code, value)`;
trained models explain a score by the features that pushed it up most, with codes
"<feature>.high" or "<feature>.low" (the wording is in backend/texts.py).
"""

from backend import texts


def feature(name: str, direction: str, value: float,
            products: dict[str, texts.Pair] | None = None) -> dict:
    """A trained model's reason: this feature, high or low, pushed the score up. `products`
    names the products of holds_<code> features (a code alone is no word for an RM)."""
    if name.startswith("industry_"):
        return {**texts.reason("feature.industry", value,
                               industry=texts.word("industry", name[9:])), "code": name}
    if name.startswith("holds_"):
        code = name[6:]
        product = (products or {}).get(code, texts.Pair(code, code))
        return {**texts.reason("feature.holds" if direction == "high" else "feature.lacks",
                               value, product=product), "code": f"{name}.{direction}"}
    return {**texts.reason(f"feature.{direction}", value, feature=texts.feature(name)),
            "code": f"{name}.{direction}"}
