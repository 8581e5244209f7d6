// The report pages' charts: Django renders the page and its tables; this draws the charts from the
// JSON the page carries in <script id="report-charts">. Each canvas has a table beside it with the
// same figures, and every series has its own marker and dash as well as its colour.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Tooltip,
  type ChartConfiguration,
  type LegendItem,
} from 'chart.js';
import { Flow as SankeyFlow, SankeyController } from 'chartjs-chart-sankey';
import { installDecisionConfirm } from './confirmDecision';
import { type Flow, type SeriesPoint, sankeyFlows, styleFor, variantSeries, withAlpha, wrapWords } from './data';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Tooltip,
  SankeyController,
  SankeyFlow,
);
// No animation: charts are complete at once, for print and for screenshots.
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';

interface ExperimentCharts {
  variants: string[];
  series: SeriesPoint[];
}

interface JourneyCharts {
  funnel: { label: string; count: number }[];
  conversion: { day: string; entered: number; converted: number; cumulative_rate: number | null }[];
  exits: { reason: string; count: number }[];
  flows: Flow[];
}

const charts: Chart[] = [];

function draw(name: string, config: ChartConfiguration<never>) {
  const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-chart="${name}"]`);
  if (!canvas) return;
  charts.push(new Chart(canvas, config));
  canvas.dataset.drawn = 'true';
}

// One variant's line: its colour, dash and marker, the same on every chart of the page.
function variantLine(index: number) {
  const style = styleFor(index);
  return {
    borderColor: style.colour,
    backgroundColor: style.colour,
    borderDash: style.dash,
    pointStyle: style.marker,
    pointRadius: 4,
  };
}

function experimentCharts(data: ExperimentCharts) {
  const { periods, byVariant } = variantSeries(data.series, data.variants);
  // The interval is a band between two invisible lines; the legend lists only the rate lines.
  const rateSets = byVariant.flatMap((v, i) => [
    { label: `${v.key} 95% low`, data: v.low, borderWidth: 0, pointRadius: 0, fill: false },
    {
      label: `${v.key} 95% high`,
      data: v.high,
      borderWidth: 0,
      pointRadius: 0,
      backgroundColor: withAlpha(styleFor(i).colour, 0.15),
      fill: '-1',
    },
    { label: `${v.key} rate`, data: v.rate, ...variantLine(i), fill: false },
  ]);
  draw('rate', {
    type: 'line',
    data: { labels: periods, datasets: rateSets },
    options: {
      plugins: {
        title: { display: true, text: 'Cumulative goal conversion rate (%) with 95% Wilson interval (UTC)' },
        legend: {
          labels: {
            usePointStyle: true,
            filter: (item: LegendItem) => !item.text.includes('95%'),
          },
        },
      },
      scales: { y: { title: { display: true, text: 'conversion rate (%)' }, beginAtZero: true } },
    },
  } as unknown as ChartConfiguration<never>);
  draw('assignments', {
    type: 'line',
    data: {
      labels: periods,
      datasets: byVariant.map((v, i) => ({ label: v.key, data: v.exposed, ...variantLine(i) })),
    },
    options: {
      plugins: {
        title: { display: true, text: 'Cumulative customers assigned' },
        legend: { labels: { usePointStyle: true } },
      },
      scales: { y: { title: { display: true, text: 'customers' }, beginAtZero: true } },
    },
  } as unknown as ChartConfiguration<never>);
}

function journeyCharts(data: JourneyCharts) {
  const ink = styleFor(0).colour;
  draw('funnel', {
    type: 'bar',
    data: {
      labels: data.funnel.map((r) => wrapWords(r.label, 32)),
      datasets: [{ label: 'customers', data: data.funnel.map((r) => r.count), backgroundColor: ink }],
    },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: 'Customers reaching each step' }, legend: { display: false } },
    },
  } as unknown as ChartConfiguration<never>);
  const entered = styleFor(0);
  const converted = styleFor(1);
  const rate = styleFor(2);
  draw('conversion', {
    type: 'bar',
    data: {
      labels: data.conversion.map((r) => r.day),
      datasets: [
        { label: 'entered', data: data.conversion.map((r) => r.entered), backgroundColor: entered.colour },
        {
          label: 'converted',
          data: data.conversion.map((r) => r.converted),
          backgroundColor: withAlpha(converted.colour, 0.35),
          borderColor: converted.colour,
          borderWidth: 2,
        },
        {
          type: 'line',
          label: 'cumulative rate (%)',
          data: data.conversion.map((r) => (r.cumulative_rate === null ? null : r.cumulative_rate * 100)),
          borderColor: rate.colour,
          backgroundColor: rate.colour,
          borderDash: [8, 4],
          pointStyle: rate.marker,
          yAxisID: 'rate',
        },
      ],
    },
    options: {
      plugins: {
        title: { display: true, text: 'Entries and conversions per day' },
        legend: { labels: { usePointStyle: true } },
      },
      scales: {
        y: { title: { display: true, text: 'customers' }, beginAtZero: true },
        rate: { position: 'right', title: { display: true, text: 'rate (%)' }, beginAtZero: true },
      },
    },
  } as unknown as ChartConfiguration<never>);
  const sankey = sankeyFlows(data.flows);
  // Each node says what it is and how many customers it holds, over short lines, so neighbouring
  // columns' labels do not run into each other.
  const sankeyLabels = Object.fromEntries(
    Object.entries(sankey.labels).map(([k, label]) => {
      const lines = wrapWords(label, 12);
      lines[lines.length - 1] += ` · ${(sankey.sizes[k] ?? 0).toLocaleString('en-GB')}`;
      return [k, lines.join('\n')];
    }),
  );
  draw('flows', {
    type: 'sankey',
    data: {
      datasets: [
        {
          label: 'customers',
          data: sankey.data,
          labels: sankeyLabels,
          nodePadding: 60,
          colorFrom: () => withAlpha(ink, 0.6),
          colorTo: () => withAlpha(styleFor(1).colour, 0.6),
          colorMode: 'gradient',
          size: 'max',
        },
      ],
    },
    options: {
      // Room for the labels of the thin routes drawn along the bottom edge.
      layout: { padding: { bottom: 48 } },
      plugins: {
        title: {
          display: true,
          text: sankey.dropped ? `Routes (${sankey.dropped} looping connection(s) only in the table)` : 'Routes',
        },
      },
    },
  } as unknown as ChartConfiguration<never>);
  draw('exits', {
    type: 'bar',
    data: {
      labels: data.exits.map((r) => wrapWords(r.reason, 40)),
      datasets: [{ label: 'customers', data: data.exits.map((r) => r.count), backgroundColor: styleFor(3).colour }],
    },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: 'Exits by reason' }, legend: { display: false } },
    },
  } as unknown as ChartConfiguration<never>);
}

function start() {
  const script = document.getElementById('report-charts');
  const kind = document.getElementById('report-kind')?.dataset.kind;
  if (!script?.textContent) return;
  const data: unknown = JSON.parse(script.textContent);
  if (kind === 'experiment') experimentCharts(data as ExperimentCharts);
  if (kind === 'journey') journeyCharts(data as JourneyCharts);
  // Print at the paper's width, not the screen's.
  window.addEventListener('beforeprint', () => charts.forEach((chart) => chart.resize()));
  window.addEventListener('afterprint', () => charts.forEach((chart) => chart.resize()));
}

start();

installDecisionConfirm(document);
