import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfig } from '../src/app-config';
import { Metrics } from '../src/metrics/metrics.service';
import { LabelValuesInSource, metricLabelsInSource } from './support/metric-labels-in-source';
import { variablesTheServiceReads } from './support/service-variables';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const readDocument = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The text between backticks, in order: `` `PORT` / `HOST` `` → PORT, HOST. */
const backticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map(([, inner]) => inner);

/** The cells of the table rows under `heading` that start with a backticked name, up to the next heading of its level or above. */
function tableRowsUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const levelOf = (line: string) => /^(#+) /.exec(line)?.[1].length ?? Infinity;
  const end = lines.findIndex((line, index) => index > start && levelOf(line) <= levelOf(heading));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

// --- what the documents list --------------------------------------------------

interface ConfigurationTable {
  variables: string[];
  /** The defaults written as one literal value, e.g. [ACCESS_TOKEN_TTL, 15m]. */
  defaults: Array<[string, string]>;
}

/** A markdown table whose first cell names the variables of a row (`` `A` / `B` ``) and whose second gives their defaults (`` `1` / `2` ``). */
function markdownTable(markdown: string, heading: string): ConfigurationTable {
  const rows = tableRowsUnder(markdown, heading);
  return {
    variables: rows.flatMap(([names]) => backticked(names)),
    defaults: rows.flatMap(([names, defaultCell]) => {
      const variables = backticked(names);
      const stated = variables.length === 1 ? [defaultCell] : defaultCell.split(' / ');
      if (stated.length !== variables.length) return [];
      return variables.flatMap((name, index) => {
        const literal = /^`([^`]*)`$/.exec(stated[index].trim());
        return literal ? [[name, literal[1]] as [string, string]] : [];
      });
    }),
  };
}

/** `NAME=value` lines (its header says these are the defaults) and `# NAME=example` lines. */
function envExample(text: string): ConfigurationTable {
  const lines = text.split('\n');
  return {
    variables: lines.flatMap((line) => /^(?:#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []),
    defaults: lines.flatMap((line) => {
      const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      return assignment ? [[assignment[1], assignment[2]] as [string, string]] : [];
    }),
  };
}

const configurationTables: Array<[string, () => ConfigurationTable]> = [
  ['README.md', () => markdownTable(readDocument('README.md'), '## Configuration')],
  ['docs/API.md', () => markdownTable(readDocument('docs/API.md'), '## Configuration')],
  ['.env.example', () => envExample(readDocument('.env.example'))],
];

describe('the configuration tables', () => {
  let read: Set<string>;
  beforeAll(() => {
    read = variablesTheServiceReads();
  });

  it('are checked against the variables the code reads', () => {
    expect(read).toContain('NODE_ENV');
    expect(read).toContain('DATABASE_URL');
    expect(read.size).toBeGreaterThan(30);
  });

  describe.each(configurationTables)('of %s', (_document, table) => {
    it('list every variable the service reads', () => {
      const listed = new Set(table().variables);
      expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
    });

    it('list no variable the service does not read', () => {
      expect(table().variables.filter((name) => !read.has(name))).toEqual([]);
    });

    it('list each variable once', () => {
      const { variables } = table();
      expect(variables.filter((name, index) => variables.indexOf(name) !== index)).toEqual([]);
    });

    // A default that names something else (`DATA_DIR/keys`, `http://localhost:<PORT>`) is a description, not a value to set.
    it('state defaults that change nothing when set', () => {
      const unset = loadConfig({});
      const literal = table().defaults.filter(([, value]) => !value.includes('<') && ![...read].some((name) => value.includes(name)));
      expect(literal.length).toBeGreaterThan(10);
      const differing = literal.filter(([name, value]) => !isDeepStrictEqual(loadConfig({ [name]: value }), unset));
      expect(differing.map(([name, value]) => `${name}=${value}`)).toEqual([]);
    });
  });
});

// --- metrics -----------------------------------------------------------------

interface DocumentedMetric {
  name: string;
  type: string;
  /** Each label, with the values the table lists for it (none: its values are open, such as a route). */
  labels: Map<string, string[]>;
}

/** `` `outcome`: `a`, `b` (note); `kind` `` → outcome: [a, b], kind: []. Parenthesised notes are not values. */
function documentedLabels(cell: string): Map<string, string[]> {
  const labels = new Map<string, string[]>();
  for (const group of cell.replace(/\([^)]*\)/g, '').split(';')) {
    const colon = group.indexOf(':');
    if (colon < 0) for (const label of backticked(group)) labels.set(label, []);
    else labels.set(backticked(group.slice(0, colon))[0], backticked(group.slice(colon + 1)));
  }
  return labels;
}

function readmeMetrics(): DocumentedMetric[] {
  return tableRowsUnder(readDocument('README.md'), '### Metrics').map(([name, type, labels]) => ({
    name: backticked(name)[0],
    type,
    labels: documentedLabels(labels),
  }));
}

interface ServiceMetric {
  type: string;
  labels: Map<string, LabelValuesInSource>;
}

/**
 * The metrics of the running service beyond prom-client's defaults: names,
 * types and label names from its registry; label values from what the
 * registry holds after boot (the gauges' labels, the cache lookups counted
 * from zero) together with what the code can pass (metricLabelsInSource).
 */
async function serviceMetrics(registry: Registry): Promise<Map<string, ServiceMetric>> {
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  const defaultNames = new Set(defaults.getMetricsAsArray().map((metric) => metric.name));
  const inSource = metricLabelsInSource();
  const metrics = new Map<string, ServiceMetric>();
  for (const metric of await registry.getMetricsAsJSON()) {
    if (defaultNames.has(metric.name)) continue;
    const labelNames = (registry.getSingleMetric(metric.name) as unknown as { labelNames: string[] }).labelNames;
    const labels = new Map(
      labelNames.map((label) => {
        const declared = inSource.get(metric.name)?.get(label);
        const values = new Set([...(declared?.values ?? []), ...metric.values.map((value) => value.labels[label]).filter((value) => value !== undefined)]);
        return [label, { values: new Set([...values].map(String)), open: declared?.open ?? false }];
      }),
    );
    // Typed as a numeric enum, the type is 'counter', 'gauge', ... at run time.
    metrics.set(metric.name, { type: String(metric.type), labels });
  }
  return metrics;
}

describe('the metrics table of README.md', () => {
  let testApp: TestApp;
  let registered: Map<string, ServiceMetric>;
  let documented: DocumentedMetric[];

  beforeAll(async () => {
    testApp = await startTestApp();
    registered = await serviceMetrics(testApp.app.get(Metrics).registry);
    documented = readmeMetrics();
  });
  afterAll(() => testApp?.close());

  it('lists every metric the service registers beyond the default ones of prom-client, and no other', () => {
    expect(documented.map((metric) => metric.name).sort()).toEqual([...registered.keys()].sort());
  });

  it('gives each metric its type and label names', () => {
    for (const { name, type, labels } of documented) {
      const metric = registered.get(name);
      if (!metric) continue;
      expect({ name, type, labels: [...labels.keys()].sort() }).toEqual({ name, type: metric.type, labels: [...metric.labels.keys()].sort() });
    }
  });

  it('lists exactly the values the code gives each label; a label whose values are open (a route, a mail kind) may list none', () => {
    for (const { name, labels } of documented) {
      for (const [label, listed] of labels) {
        const code = registered.get(name)?.labels.get(label);
        if (!code || (code.open && listed.length === 0)) continue;
        expect({ metric: name, label, values: [...listed].sort() }).toEqual({ metric: name, label, values: [...code.values].sort() });
      }
    }
  });
});
