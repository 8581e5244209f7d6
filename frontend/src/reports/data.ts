// Pure helpers that shape the report pages' JSON into chart series. No DOM, no Chart.js: unit-tested.

interface VariantPoint {
  exposed: number;
  conversions: number;
  rate: number | null;
  low: number | null;
  high: number | null;
}

export interface SeriesPoint {
  period: string;
  variants: Record<string, VariantPoint>;
}

export interface Flow {
  from: string;
  to: string;
  from_id: string;
  to_id: string;
  port: string;
  count: number;
}

// Each series gets a marker shape and a line dash of its own, so the charts read in greyscale
// and for readers who do not tell the colours apart; the palette is Okabe-Ito's.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const MARKERS = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross'] as const;
const DASHES: number[][] = [[], [8, 4], [2, 3], [12, 3, 2, 3], [4, 4], [1, 5], [10, 2], [6, 2, 2, 2]];

interface SeriesStyle {
  colour: string;
  marker: (typeof MARKERS)[number];
  dash: number[];
}

export function styleFor(index: number): SeriesStyle {
  const at = (list: readonly unknown[]) => index % list.length;
  return {
    colour: COLOURS[at(COLOURS)] ?? '#000000',
    marker: MARKERS[at(MARKERS)] ?? 'circle',
    dash: DASHES[at(DASHES)] ?? [],
  };
}

export function withAlpha(hex: string, alpha: number): string {
  const value = parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** Per variant: rate, interval low/high and cumulative exposures, each aligned with `periods`. */
export function variantSeries(series: SeriesPoint[], variants: string[]) {
  const periods = series.map((p) => p.period);
  const byVariant = variants.map((key) => ({
    key,
    rate: series.map((p) => percent(p.variants[key]?.rate ?? null)),
    low: series.map((p) => percent(p.variants[key]?.low ?? null)),
    high: series.map((p) => percent(p.variants[key]?.high ?? null)),
    exposed: series.map((p) => p.variants[key]?.exposed ?? 0),
  }));
  return { periods, byVariant };
}

function percent(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e4;
}

/**
 * A label broken into lines of at most `width` characters at spaces (a longer word keeps its own
 * line), so a chart shows all of it rather than cutting it at the axis.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/**
 * Flows a Sankey can draw: it needs an acyclic graph, and journeys may loop, so an edge that would
 * close a cycle is left out (the routes table beside the chart still lists it). Nodes are keyed by
 * id so two nodes with the same label stay apart.
 */
export function sankeyFlows(flows: Flow[]): {
  data: { from: string; to: string; flow: number }[];
  labels: Record<string, string>;
  sizes: Record<string, number>;
  dropped: number;
} {
  const labels: Record<string, string> = {};
  const key = (id: string, label: string) => {
    const k = id || `outcome:${label}`;
    labels[k] = label;
    return k;
  };
  const successors = new Map<string, Set<string>>();
  const reaches = (from: string, to: string): boolean => {
    const stack = [from];
    const seen = new Set<string>();
    while (stack.length) {
      const node = stack.pop() as string;
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const next of successors.get(node) ?? []) stack.push(next);
    }
    return false;
  };
  const data: { from: string; to: string; flow: number }[] = [];
  let dropped = 0;
  // Largest flows first, so a loop drops its smaller returning edge rather than the main route.
  for (const flow of [...flows].sort((a, b) => b.count - a.count)) {
    const from = key(flow.from_id, flow.from);
    const to = key(flow.to_id, flow.to);
    if (from === to || reaches(to, from)) {
      dropped += 1;
      continue;
    }
    if (!successors.has(from)) successors.set(from, new Set());
    successors.get(from)?.add(to);
    data.push({ from, to, flow: flow.count });
  }
  // A node is drawn as tall as the larger of what flows in and out (the chart's size: 'max').
  const inflow: Record<string, number> = {};
  const outflow: Record<string, number> = {};
  for (const { from, to, flow } of data) {
    outflow[from] = (outflow[from] ?? 0) + flow;
    inflow[to] = (inflow[to] ?? 0) + flow;
  }
  const sizes: Record<string, number> = {};
  for (const k of Object.keys(labels)) sizes[k] = Math.max(inflow[k] ?? 0, outflow[k] ?? 0);
  return { data, labels, sizes, dropped };
}
