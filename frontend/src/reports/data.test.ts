import { describe, expect, it } from 'vitest';
import { type SeriesPoint, sankeyFlows, styleFor, variantSeries, withAlpha, wrapWords } from './data';

const flow = (from_id: string, to_id: string, count: number) => ({
  from: from_id.toUpperCase(),
  to: to_id ? to_id.toUpperCase() : 'Exited',
  from_id,
  to_id,
  port: 'next',
  count,
});

describe('sankeyFlows', () => {
  it('drops the smaller edge that closes a loop', () => {
    const result = sankeyFlows([flow('a', 'b', 100), flow('b', 'c', 80), flow('c', 'a', 5), flow('c', '', 75)]);
    expect(result.dropped).toBe(1);
    expect(result.data).toEqual([
      { from: 'a', to: 'b', flow: 100 },
      { from: 'b', to: 'c', flow: 80 },
      { from: 'c', to: 'outcome:Exited', flow: 75 },
    ]);
    expect(result.labels['outcome:Exited']).toBe('Exited');
    // What each node's label says it holds: the larger of its drawn inflow and outflow.
    expect(result.sizes).toEqual({ a: 100, b: 100, c: 80, 'outcome:Exited': 75 });
  });

  it('keeps nodes with the same label apart', () => {
    const result = sankeyFlows([
      { from: 'Wait', to: 'Email', from_id: 'w1', to_id: 'e', port: 'next', count: 3 },
      { from: 'Wait', to: 'Email', from_id: 'w2', to_id: 'e', port: 'next', count: 2 },
    ]);
    expect(result.data.map((d) => d.from)).toEqual(['w1', 'w2']);
  });
});

describe('wrapWords', () => {
  it('breaks at spaces and loses no word', () => {
    const reason = 'not engaged enough yet, or offered already';
    const lines = wrapWords(reason, 20);
    expect(lines).toEqual(['not engaged enough', 'yet, or offered', 'already']);
    expect(lines.join(' ')).toBe(reason);
  });

  it('keeps a short label whole and a long word on its own line', () => {
    expect(wrapWords('offer made', 20)).toEqual(['offer made']);
    expect(wrapWords('see https://example.com/a/very/long/path now', 12)).toEqual([
      'see',
      'https://example.com/a/very/long/path',
      'now',
    ]);
    expect(wrapWords('', 10)).toEqual(['']);
  });
});

describe('styles', () => {
  it('gives neighbouring series different markers and dashes, not only colours', () => {
    const [a, b] = [styleFor(0), styleFor(1)];
    expect(a.marker).not.toBe(b.marker);
    expect(a.dash).not.toEqual(b.dash);
  });

  it('writes colours with transparency', () => {
    expect(withAlpha('#0072B2', 0.5)).toBe('rgba(0, 114, 178, 0.5)');
  });
});

describe('variantSeries', () => {
  it('aligns every variant with the periods and turns rates into percentages', () => {
    const series: SeriesPoint[] = [
      { period: '2026-01-01', variants: { A: { exposed: 10, conversions: 1, rate: 0.1, low: 0.02, high: 0.4 } } },
      { period: '2026-01-02', variants: {} },
    ];
    const result = variantSeries(series, ['A']);
    expect(result.periods).toEqual(['2026-01-01', '2026-01-02']);
    expect(result.byVariant[0]?.rate).toEqual([10, null]);
    expect(result.byVariant[0]?.exposed).toEqual([10, 0]);
  });
});
