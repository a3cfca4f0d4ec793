const cache: Map<string, Array<number>> = new Map<string, Array<number>>();
function pick<S, T>(m: Map<S, T>, k: S): T | undefined { return m.get(k); }
type Pair<s,t> = [s, t];
