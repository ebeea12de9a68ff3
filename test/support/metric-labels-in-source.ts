import { join } from 'node:path';
import * as ts from 'typescript';

/** The values one label of a metric is given in the source: `open` when some call passes a value whose type is not a set of string literals. */
export interface LabelValuesInSource {
  values: Set<string>;
  open: boolean;
}

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src') + '/';

/**
 * The label values the service's code can give each metric, by metric name
 * and label, read with the TypeScript type checker: every call on a
 * prom-client metric in src/ (`inc`, `set`, `labels`, ...) whose labels are
 * an object literal, with the type of each label's value: `'failed'`, a union
 * such as `RevokedReason`, or `string` (open). Types are followed to wherever
 * they are declared, so moving a union to another file changes nothing here.
 * Labels set with a computed key (a gauge's `collect`) are not seen; their
 * values show in the running registry.
 */
export function metricLabelsInSource(): Map<string, Map<string, LabelValuesInSource>> {
  const configFile = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!configFile) throw new Error('cannot read tsconfig.json');
  const serviceFiles = configFile.fileNames.filter((file) => file.startsWith(SRC) && !file.endsWith('.spec.ts'));
  const program = ts.createProgram(serviceFiles, { ...configFile.options, noEmit: true, incremental: false });
  const checker = program.getTypeChecker();
  const found = new Map<string, Map<string, LabelValuesInSource>>();

  const isPromClientMetric = (expression: ts.Expression): boolean => {
    const type = checker.getTypeAtLocation(expression);
    const declaration = (type.getSymbol() ?? type.aliasSymbol)?.declarations?.[0];
    return declaration?.getSourceFile().fileName.includes('/node_modules/prom-client/') ?? false;
  };

  /** `this.metrics.logins` → `auth_logins_total`: the `name` in the initializer of the property that holds the metric. */
  const metricNameOf = (receiver: ts.Expression): string | undefined => {
    const holder = ts.isPropertyAccessExpression(receiver) ? receiver.name : ts.isIdentifier(receiver) ? receiver : undefined;
    const declaration = holder && checker.getSymbolAtLocation(holder)?.valueDeclaration;
    const initializer = declaration && (ts.isPropertyDeclaration(declaration) || ts.isVariableDeclaration(declaration)) ? declaration.initializer : undefined;
    let name: string | undefined;
    const visit = (node: ts.Node): void => {
      if (name) return;
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'name' && ts.isStringLiteral(node.initializer)) {
        name = node.initializer.text;
        return;
      }
      ts.forEachChild(node, visit);
    };
    if (initializer) visit(initializer);
    return name;
  };

  const record = (call: ts.CallExpression & { expression: ts.PropertyAccessExpression }, labels: ts.ObjectLiteralExpression): void => {
    const named = labels.properties.filter(
      (property): property is ts.PropertyAssignment | ts.ShorthandPropertyAssignment =>
        (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)),
    );
    if (named.length === 0) return;
    const metric = metricNameOf(call.expression.expression);
    if (!metric) {
      const { line } = call.getSourceFile().getLineAndCharacterOfPosition(call.getStart());
      throw new Error(`cannot tell which metric ${call.expression.getText()} (${call.getSourceFile().fileName}:${line + 1}) labels`);
    }
    const byLabel = found.get(metric) ?? new Map<string, LabelValuesInSource>();
    found.set(metric, byLabel);
    for (const property of named) {
      const label = (property.name as ts.Identifier | ts.StringLiteral).text;
      const entry = byLabel.get(label) ?? { values: new Set<string>(), open: false };
      byLabel.set(label, entry);
      const type = checker.getTypeAtLocation(ts.isShorthandPropertyAssignment(property) ? property.name : property.initializer);
      for (const member of type.isUnion() ? type.types : [type]) {
        if (member.isStringLiteral()) entry.values.add(member.value);
        else entry.open = true;
      }
    }
  };

  for (const sourceFile of program.getSourceFiles()) {
    if (!serviceFiles.includes(sourceFile.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && isPromClientMetric(node.expression.expression)) {
        const [labels] = node.arguments;
        if (labels && ts.isObjectLiteralExpression(labels)) record(node as ts.CallExpression & { expression: ts.PropertyAccessExpression }, labels);
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return found;
}
