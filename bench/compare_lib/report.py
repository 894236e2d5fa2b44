"""The comparison's markdown: one table per scenario (medians, ratios to `pop3 fetch`) and the
issue's targets, each marked met or missed with the measured figure."""

from .measure import Summary

REFERENCE = "pop3 fetch"


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference > 0 else "-"


def scenario_table(title: str, results: dict) -> str:
    """results: tool name -> Summary, or -> str (why it has no figures)."""
    ref = results.get(REFERENCE)
    lines = [f"### {title}", "",
             "| Client | Wall (s) | Wall ÷ pop3 fetch | CPU user+sys (s) | CPU ÷ pop3 fetch | Peak RSS (MiB) | Runs |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, result in results.items():
        if isinstance(result, str):
            lines.append(f"| {name} | {result} | | | | | |")
            continue
        wall_ratio = _ratio(result.wall, ref.wall) if isinstance(ref, Summary) else "-"
        cpu_ratio = _ratio(result.cpu, ref.cpu) if isinstance(ref, Summary) else "-"
        lines.append(f"| {name} | {result.wall:.3f} | {wall_ratio} | {result.cpu:.3f} | "
                     f"{cpu_ratio} | {result.rss_kib / 1024:.1f} | {result.runs} |")
    return "\n".join(lines) + "\n"


class Targets:
    """Collects the issue's targets as they are checked: (text, measured, met)."""

    def __init__(self):
        self.rows = []

    def ratio_at_most(self, what: str, results: dict, other: str, limit: float,
                      field: str = "wall"):
        ours, theirs = results.get(REFERENCE), results.get(other)
        if not isinstance(ours, Summary) or not isinstance(theirs, Summary):
            self.rows.append((f"{what}: {field} at most {limit}x {other}'s", "not measured", None))
            return
        ratio = getattr(ours, field) / getattr(theirs, field)
        self.rows.append((f"{what}: {field} at most {limit}x {other}'s", f"{ratio:.2f}x",
                          ratio <= limit))

    def value_below(self, what: str, measured: float, limit: float, unit: str):
        self.rows.append((f"{what} under {limit:g} {unit}", f"{measured:.1f} {unit}",
                          measured < limit))

    def markdown(self) -> str:
        lines = ["### Targets", "", "| Target | Measured | |", "|---|---:|---|"]
        for text, measured, met in self.rows:
            mark = "not measured" if met is None else ("met" if met else "**missed**")
            lines.append(f"| {text} | {measured} | {mark} |")
        return "\n".join(lines) + "\n"
