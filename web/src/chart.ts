import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A time chart that keeps a sliding window of points and redraws at most a few times a second, whatever the
 * rate of the feed: one per page section, never one per device of a list.
 */
export class LiveChart {
  private readonly data: number[][];
  private readonly plot: uPlot;
  private dirty = false;
  private readonly timer: number;

  constructor(target: HTMLElement, title: string, series: { label: string; stroke: string; unit: string }[],
    private readonly windowPoints = 900, height = 220) {
    this.data = [[], ...series.map(() => [])];
    this.plot = new uPlot({
      title,
      width: Math.max(320, target.clientWidth || 800),
      height,
      series: [{}, ...series.map((s) => ({ label: `${s.label} (${s.unit})`, stroke: s.stroke, width: 1.5,
        spanGaps: false }))],
      axes: [{}, { size: 60 }],
    }, this.data as uPlot.AlignedData, target);
    this.timer = window.setInterval(() => this.flush(), 250);
  }

  /** Replaces everything (history). {@code rows}: [unix seconds, ...values]. */
  load(rows: (number | null)[][]): void {
    for (const column of this.data) column.length = 0;
    for (const row of rows) row.forEach((v, i) => this.data[i].push(v as number));
    this.dirty = true;
    this.flush();
  }

  /** Puts older points (history) before what the chart holds. */
  prepend(rows: (number | null)[][]): void {
    const first = this.data[0].length ? this.data[0][0] : Infinity;
    const older = rows.filter((r) => (r[0] as number) < first);
    this.data.forEach((column, i) => column.unshift(...older.map((r) => r[i] as number)));
    if (older.length) {
      this.dirty = true;
      this.flush();
    }
  }

  push(ts: number, ...values: (number | null)[]): void {
    const times = this.data[0];
    if (times.length && ts <= times[times.length - 1]) return;
    times.push(ts);
    values.forEach((v, i) => this.data[i + 1].push(v as number));
    if (times.length > this.windowPoints) for (const column of this.data) column.shift();
    this.dirty = true;
  }

  get points(): number {
    return this.data[0].length;
  }

  private flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.data as uPlot.AlignedData);
  }

  destroy(): void {
    clearInterval(this.timer);
    this.plot.destroy();
  }
}
