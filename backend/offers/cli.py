"""`flask experiments report`: the outcomes are the offers'."""

import click

from backend.offers import experiments
from backend.scoring.cli import OPERATOR, experiments_cli


@experiments_cli.command("report")
@click.argument("experiment_id", type=int)
def experiments_report_command(experiment_id):
    """Print each arm's acceptance, sales and contact success with 95% intervals."""
    report = experiments.report(user=OPERATOR, experiment_id=experiment_id)
    click.echo(f"{report['experiment']} ({report['model']}, {report['state']})")

    def rate(r):
        if r["rate"] is None:
            return "-"
        return f"{r['rate']:.1%} [{r['low']:.1%}, {r['high']:.1%}] n={r['n']}"

    for arm in report["arms"]:
        click.echo(f"  {arm['cell']:<12} customers {arm['customers']:>6}  acceptance "
                   f"{rate(arm['acceptance'])}  sales {rate(arm['sales'])}  contact success "
                   f"{rate(arm['contact_success'])}")
