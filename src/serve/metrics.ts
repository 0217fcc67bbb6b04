/**
 * Service metrics in the Prometheus text exposition format (version 0.0.4): counters and
 * histograms kept in memory since start, gauges read when scraped.
 */

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const keyOf = (l: Labels) => JSON.stringify(Object.entries(l).sort());

class Family<T> {
  readonly series = new Map<string, { labels: Labels; value: T }>();
  constructor(private readonly init: () => T) {}
  get(labels: Labels): T {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, value: this.init() }));
    return s.value;
  }
}

/** Latency buckets in seconds, from 100 microseconds to 10 seconds. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface Gauge {
  name: string;
  help: string;
  read: () => { labels?: Labels; value: number }[];
}

export class MetricsRegistry {
  private readonly counters = new Map<string, { help: string; family: Family<{ n: number }> }>();
  private readonly histograms = new Map<string, { help: string; family: Family<Histogram> }>();
  private readonly gauges: Gauge[] = [];

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const family = new Family(() => ({ n: 0 }));
    this.counters.set(name, { help, family });
    return (labels = {}, by = 1) => {
      family.get(labels).n += by;
    };
  }

  histogram(name: string, help: string): (labels: Labels, seconds: number) => void {
    const family = new Family<Histogram>(() => ({ counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    this.histograms.set(name, { help, family });
    return (labels, seconds) => {
      const h = family.get(labels);
      for (let i = BUCKETS.length - 1; i >= 0 && seconds <= BUCKETS[i]; i--) h.counts[i]++;
      h.sum += seconds;
      h.count++;
    };
  }

  gauge(gauge: Gauge): void {
    this.gauges.push(gauge);
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    for (const [name, { help, family }] of this.counters) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const { labels, value } of family.series.values()) out.push(`${name}${labelText(labels)} ${value.n}`);
    }
    for (const [name, { help, family }] of this.histograms) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const { labels, value } of family.series.values()) {
        BUCKETS.forEach((le, i) => out.push(`${name}_bucket${labelText({ ...labels, le: String(le) })} ${value.counts[i]}`));
        out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${value.count}`, `${name}_sum${labelText(labels)} ${value.sum}`, `${name}_count${labelText(labels)} ${value.count}`);
      }
    }
    for (const g of this.gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const s of g.read()) out.push(`${g.name}${labelText(s.labels ?? {})} ${s.value}`);
    }
    return out.join('\n') + '\n';
  }
}
