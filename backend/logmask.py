"""Keep personal data and secrets out of the logs (DESIGN §8).

Every log record's message is masked when it is created, whoever logs it (our code,
werkzeug's request lines, libraries): resident ID numbers and mobile numbers keep only
their first and last digits, and secret tokens in URLs (survey links, the calendar feed)
are replaced.
"""

import logging
import re

MASKS = (
    # 18-character resident identity card numbers: region code and check digit stay
    (re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])"), r"\1********\2"),
    # mainland mobile numbers, with or without +86
    (re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # secrets carried in URLs: ?token=..., the survey link /s/<token>
    (re.compile(r"([?&]token=)[^&\s\"']+"), r"\1[masked]"),
    (re.compile(r"(/s/)[A-Za-z0-9_-]{16,}"), r"\1[masked]"),
)


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Mask every record from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_personal_data", False):
        return

    def masked_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the handler to report
            return record
        cleaned = mask(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    masked_record.masks_personal_data = True
    logging.setLogRecordFactory(masked_record)
