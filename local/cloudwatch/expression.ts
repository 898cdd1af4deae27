// Metric math as GetMetricData takes it, the arithmetic part: other queries' ids, numbers, + - * /,
// parentheses. A result has a value at each timestamp where every series it uses has one.

export type TimeSeries = Map<number, number>;

type Node =
  | { kind: "number"; value: number }
  | { kind: "id"; name: string }
  | { kind: "operation"; operator: string; left: Node; right: Node };

export class ExpressionError extends Error {}

export function parseExpression(text: string): Node {
  const tokens = text.match(/\d+(\.\d+)?|[a-z][a-zA-Z0-9_]*|[-+*/()]|\S/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const primary = (): Node => {
    const token = next();
    if (token === undefined) throw new ExpressionError("Unexpected end of expression");
    if (token === "(") {
      const inner = sum();
      if (next() !== ")") throw new ExpressionError("Unbalanced parenthesis");
      return inner;
    }
    if (token === "-")
      return { kind: "operation", operator: "-", left: { kind: "number", value: 0 }, right: primary() };
    if (/^\d/.test(token)) return { kind: "number", value: Number(token) };
    if (/^[a-z]/.test(token)) return { kind: "id", name: token };
    throw new ExpressionError(`Unsupported token ${token}`);
  };
  const product = (): Node => {
    let node = primary();
    while (peek() === "*" || peek() === "/")
      node = { kind: "operation", operator: next()!, left: node, right: primary() };
    return node;
  };
  const sum = (): Node => {
    let node = product();
    while (peek() === "+" || peek() === "-")
      node = { kind: "operation", operator: next()!, left: node, right: product() };
    return node;
  };
  const tree = sum();
  if (position !== tokens.length) throw new ExpressionError(`Unexpected ${tokens[position]}`);
  return tree;
}

/** The ids an expression uses. */
export function expressionIds(node: Node): string[] {
  if (node.kind === "id") return [node.name];
  if (node.kind === "operation") return [...expressionIds(node.left), ...expressionIds(node.right)];
  return [];
}

export function evaluateExpression(node: Node, series: Map<string, TimeSeries>): TimeSeries | number {
  if (node.kind === "number") return node.value;
  if (node.kind === "id") {
    const found = series.get(node.name);
    if (!found) throw new ExpressionError(`Unrecognized query id ${node.name}`);
    return found;
  }
  const left = evaluateExpression(node.left, series);
  const right = evaluateExpression(node.right, series);
  const apply = (a: number, b: number) =>
    node.operator === "+" ? a + b : node.operator === "-" ? a - b : node.operator === "*" ? a * b : a / b;
  if (typeof left === "number" && typeof right === "number") return apply(left, right);
  const result: TimeSeries = new Map();
  const times = typeof left === "number" ? (right as TimeSeries).keys() : left.keys();
  for (const time of times) {
    const a = typeof left === "number" ? left : left.get(time);
    const b = typeof right === "number" ? right : right.get(time);
    if (a !== undefined && b !== undefined && Number.isFinite(apply(a, b))) result.set(time, apply(a, b));
  }
  return result;
}
