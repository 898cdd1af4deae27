"""The bench's reference: the same 1000x560 size chart drawn with matplotlib (Agg), so `npm run bench`
can print our render times beside a well-known plotting library's, measured in the same run.

  --serve   read one chart input (JSON) per stdin line, answer {"ms", "cpuMs", "bytes"} per stdout
            line; the times run from the parsed input to the PNG bytes, wall-clock and this
            process's CPU time (warm: the process stays up)
  --once    read one chart input from stdin, write its PNG to stdout and exit (cold: a new process)

The input is the chart input the bench gives our renderer, plus "markers" (one flag per series, the
renderer's own rule), so both draw the same elements. It uses matplotlib's object API (Figure and
the Agg canvas, no pyplot state), the fastest way a server would use it.
"""

import io
import json
import sys
import time
from datetime import datetime, timezone

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# The renderer's palette: the first series' blue, then Okabe–Ito colours; the max line in red.
SERIES = ["#2563eb", "#e69f00", "#009e73", "#cc79a7", "#56b4e9"]
MAX = "#dc2626"
PX = 0.72  # points per pixel at 100 dpi


def series_of(chart):
    if "series" in chart:
        return chart["series"]
    return [{"bucket": chart["bucket"], "points": chart["points"], "baseline": chart.get("baseline")}]


def render(chart):
    start, end = chart["window"]["start"], chart["window"]["end"]
    span = max(end - start, 1000)
    fig = Figure(figsize=(10, 5.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0.075, 0.115, 0.9, 0.71])
    series = series_of(chart)
    markers = chart.get("markers", [True] * len(series))
    records = 0
    for i, s in enumerate(series):
        xs, ys = [], []
        if s.get("baseline"):
            xs.append(start)
            ys.append(s["baseline"]["totalSize"])
        for p in s["points"]:
            xs.append(p["timestamp"])
            ys.append(p["totalSize"])
        records += len(s["points"])
        if xs:
            xs.append(end)
            ys.append(ys[-1])
            color = SERIES[i % len(SERIES)]
            label = s["bucket"] if len(series) > 1 else "Total size (holds until the next change)"
            ax.step(xs, ys, where="post", color=color, linewidth=2.5 * PX, label=label)
            if markers[i] and s["points"]:
                ax.plot(
                    [p["timestamp"] for p in s["points"]],
                    [p["totalSize"] for p in s["points"]],
                    linestyle="none",
                    marker="o",
                    markersize=9 * PX,
                    color=color,
                    markeredgecolor="white",
                )
            if len(s["points"]) <= 12 and len(series) == 1:
                for p in s["points"]:
                    ax.annotate(
                        f"{p['totalSize']:,} B",
                        (p["timestamp"], p["totalSize"]),
                        xytext=(0, 8),
                        textcoords="offset points",
                        ha="center",
                        fontsize=11 * PX,
                        fontweight="bold",
                        color="#1e40af",
                    )
    top = max([0, 4] + [p["totalSize"] for s in series for p in s["points"]])
    m = chart.get("max")
    if m:
        top = max(top, m["totalSize"])
        ax.axhline(m["totalSize"], color=MAX, linewidth=2 * PX, dashes=(4, 3), label="Maximum")
        ax.annotate(
            f"max {m['totalSize']:,} B (in bucket {m['bucket']})",
            (0.01, m["totalSize"]),
            xycoords=("axes fraction", "data"),
            xytext=(0, 4),
            textcoords="offset points",
            fontsize=12 * PX,
            fontweight="bold",
            color="#b91c1c",
            bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"},
        )
    if records == 0:
        ax.text(0.5, 0.5, f"No data in the last {chart['windowSeconds']} s", transform=ax.transAxes,
                ha="center", va="center", fontsize=20 * PX, fontweight="bold", color="#4b5563")
    ax.set_xlim(start, start + span * 1.03)
    ax.set_ylim(0, top * 1.1)
    ax.xaxis.set_major_formatter(FuncFormatter(time_of_day))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(color="#e5e7eb", linewidth=1 * PX)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=12 * PX)
    ax.set_xlabel("Time (UTC)", fontsize=13 * PX, fontweight="bold")
    ax.set_ylabel("Total size (bytes)", fontsize=13 * PX, fontweight="bold")
    names = ", ".join(s["bucket"] for s in series)
    fig.text(0.075, 0.945, f"S3 bucket size: {names}", fontsize=18 * PX, fontweight="bold")
    end_text = datetime.fromtimestamp(end / 1000, timezone.utc).strftime("%Y-%m-%d")
    fig.text(0.075, 0.9, f"Last {chart['windowSeconds']} s ending {end_text} {time_of_day(end)} UTC  ·  "
             f"{records} records in the window", fontsize=13 * PX, color="#4b5563")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(series) + 1, frameon=False,
              fontsize=13 * PX)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def time_of_day(ms, _pos=None):
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.strftime("%H:%M:%S.") + str(moment.microsecond // 100_000)


def main():
    if "--once" in sys.argv:
        sys.stdout.buffer.write(render(json.load(sys.stdin)))
        return
    for line in sys.stdin:
        chart = json.loads(line)
        started, cpu_started = time.perf_counter(), time.process_time()
        png = render(chart)
        ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu_started) * 1000
        sys.stdout.write(json.dumps({"ms": ms, "cpuMs": cpu_ms, "bytes": len(png)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
