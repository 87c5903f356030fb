// expr.mjs - evaluates the subset of Terraform expressions the checker needs to
// render policies and follow variables (hcl2json gives expressions as "${...}"
// strings): literals, templates, traversals with . and [], ?:, ||, &&, !,
// comparisons, + - * /, lists, objects, for expressions and a few functions
// (can() and regex()/regexall() too: variable validations use them).
// Anything else throws, naming the expression, so the checker fails loudly
// instead of guessing.

export class EvalError extends Error {}

// ---- templates --------------------------------------------------------------

// Splits "a-${x}-b" into [{lit:"a-"}, {expr:"x"}, {lit:"-b"}], honouring nested braces and strings.
export function splitTemplate(s) {
    const parts = [];
    let i = 0, lit = '';
    while (i < s.length) {
        if (s.startsWith('$${', i)) { lit += '${'; i += 3; continue; }
        if (s.startsWith('${', i)) {
            const end = matchClose(s, i + 2);
            if (lit) parts.push({ lit }); lit = '';
            parts.push({ expr: s.slice(i + 2, end).replace(/^~|~$/g, '') });
            i = end + 1;
            continue;
        }
        lit += s[i++];
    }
    if (lit || parts.length === 0) parts.push({ lit });
    return parts;
}
function matchClose(s, i) {
    let depth = 0;
    while (i < s.length) {
        const c = s[i];
        if (c === '"') { i = skipString(s, i); continue; }
        if (c === '{') depth++;
        else if (c === '}') { if (depth === 0) return i; depth--; }
        i++;
    }
    throw new EvalError(`unterminated interpolation in ${JSON.stringify(s)}`);
}
function skipString(s, i) {
    i++;
    while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\') i++;
        else if (s.startsWith('${', i)) { i = matchClose(s, i + 2); }
        i++;
    }
    return i + 1;
}

// ---- tokenizer ----------------------------------------------------------------

const PUNCT = ['=>', '==', '!=', '>=', '<=', '&&', '||', '...', '[*]', '.*', '?', ':', '(', ')', '[', ']', '{', '}', ',', '.', '!', '<', '>', '+', '-', '*', '/', '%', '='];
function tokenize(src) {
    const toks = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) { i++; continue; }
        if (c === '"') { const end = skipString(src, i); toks.push({ t: 'str', v: src.slice(i + 1, end - 1) }); i = end; continue; }
        const num = src.slice(i).match(/^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/);
        if (num) { toks.push({ t: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
        const id = src.slice(i).match(/^[A-Za-z_][A-Za-z0-9_-]*/);
        if (id) { toks.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
        const p = PUNCT.find((q) => src.startsWith(q, i));
        if (!p) throw new EvalError(`cannot read ${JSON.stringify(src)} at ${i}`);
        toks.push({ t: 'p', v: p }); i += p.length;
    }
    return toks;
}
function unescape(raw) {
    return raw.replace(/\\(["\\nt])/g, (_, c) => ({ n: '\n', t: '\t' }[c] ?? c));
}

// ---- parser + evaluator (evaluates while parsing; lazily skips untaken branches) ----

export function evaluate(value, scope) {
    if (typeof value === 'string') return evalTemplate(value, scope);
    if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
    if (value && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value)) out[k] = evaluate(v, scope);
        return out;
    }
    return value;
}
export function evalTemplate(s, scope) {
    const parts = splitTemplate(s);
    if (parts.length === 1 && parts[0].expr !== undefined) return evalExpr(parts[0].expr, scope);
    return parts.map((p) => (p.expr !== undefined ? toStr(evalExpr(p.expr, scope), s) : unescape(p.lit))).join('');
}
function toStr(v, where) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v === null) throw new EvalError(`null interpolated into ${where}`);
    throw new EvalError(`a ${typeof v} interpolated into ${where}`);
}

export function evalExpr(src, scope) {
    const p = new Parser(tokenize(src), scope, src);
    const v = p.expr(true);
    if (p.i < p.toks.length) throw new EvalError(`unexpected ${p.toks[p.i].v} in ${src}`);
    return v;
}

const SKIP = Symbol('skip');
class Parser {
    constructor(toks, scope, src) { this.toks = toks; this.i = 0; this.scope = scope; this.src = src; }
    peek(v) { const t = this.toks[this.i]; return t && (v === undefined || t.v === v) ? t : null; }
    take(v) { const t = this.toks[this.i]; if (!t || (v !== undefined && t.v !== v)) throw new EvalError(`expected ${v ?? 'more'} in ${this.src}`); this.i++; return t; }
    fail(msg) { throw new EvalError(`${msg} in ${this.src}`); }

    expr(live) {
        const c = this.or(live);
        if (!this.peek('?')) return c;
        this.take('?');
        const a = this.expr(live && c !== SKIP && truthy(c, this));
        this.take(':');
        const b = this.expr(live && c !== SKIP && !truthy(c, this));
        return live ? (truthy(c, this) ? a : b) : SKIP;
    }
    or(live) {
        let v = this.and(live);
        while (this.peek('||')) { this.take(); const r = this.and(live); if (live) v = truthy(v, this) || truthy(r, this); }
        return v;
    }
    and(live) {
        let v = this.cmp(live);
        while (this.peek('&&')) { this.take(); const r = this.cmp(live); if (live) v = truthy(v, this) && truthy(r, this); }
        return v;
    }
    cmp(live) {
        const a = this.sum(live);
        const op = ['==', '!=', '>', '<', '>=', '<='].find((o) => this.peek(o));
        if (!op) return a;
        this.take();
        const b = this.sum(live);
        if (!live) return SKIP;
        switch (op) {
            case '==': return JSON.stringify(a) === JSON.stringify(b);
            case '!=': return JSON.stringify(a) !== JSON.stringify(b);
            // Ordering needs numbers (null is an error, as in Terraform: || and && do not
            // short-circuit before Terraform 1.12, so `x == null || x >= 1` fails for null).
            case '>': return num(a, this) > num(b, this);
            case '<': return num(a, this) < num(b, this);
            case '>=': return num(a, this) >= num(b, this);
            default: return num(a, this) <= num(b, this);
        }
    }
    sum(live) {
        let v = this.prod(live);
        for (let op; (op = ['+', '-'].find((o) => this.peek(o)));) {
            this.take(); const r = this.prod(live);
            if (live) v = op === '+' ? num(v, this) + num(r, this) : num(v, this) - num(r, this);
        }
        return v;
    }
    prod(live) {
        let v = this.unary(live);
        for (let op; (op = ['*', '/', '%'].find((o) => this.peek(o)));) {
            this.take(); const r = this.unary(live);
            if (live) v = op === '*' ? num(v, this) * num(r, this) : op === '/' ? num(v, this) / num(r, this) : num(v, this) % num(r, this);
        }
        return v;
    }
    unary(live) {
        if (this.peek('!')) { this.take(); const v = this.unary(live); return live ? !truthy(v, this) : SKIP; }
        if (this.peek('-')) { this.take(); const v = this.unary(live); return live ? -num(v, this) : SKIP; }
        return this.postfix(live);
    }
    postfix(live) {
        let v = this.primary(live);
        for (;;) {
            if (this.peek('.')) {
                this.take();
                const t = this.take();
                if (live) v = attr(v, t.t === 'num' ? t.v : t.v, this);
            } else if (this.peek('[*]') || this.peek('.*')) {
                this.take();
                const rest = [];
                while (this.peek('.')) { this.take(); rest.push(this.take().v); }
                if (live) {
                    const list = v === null ? [] : Array.isArray(v) ? v : [v];
                    v = list.map((item) => rest.reduce((o, k) => attr(o, k, this), item));
                }
            } else if (this.peek('[')) {
                this.take();
                const k = this.expr(live);
                this.take(']');
                if (live) v = attr(v, k, this);
            } else return v;
        }
    }
    primary(live) {
        const t = this.take();
        if (t.t === 'num') return t.v;
        if (t.t === 'str') return live ? evalTemplate(t.v, this.scope) : SKIP;
        if (t.v === '(') { const v = this.expr(live); this.take(')'); return v; }
        if (t.v === '[') return this.list(live);
        if (t.v === '{') return this.object(live);
        if (t.t === 'id') {
            if (t.v === 'true') return true;
            if (t.v === 'false') return false;
            if (t.v === 'null') return null;
            if (this.peek('(')) return this.call(t.v, live);
            if (!live) return SKIP;
            if (!(t.v in this.scope)) this.fail(`unknown name ${t.v}`);
            return this.scope[t.v];
        }
        this.fail(`unexpected ${t.v}`);
    }
    list(live) {
        if (this.peek('for')) return this.forExpr(live, ']');
        const out = [];
        while (!this.peek(']')) { out.push(this.expr(live)); if (!this.peek(']')) this.take(','); }
        this.take(']');
        return out;
    }
    object(live) {
        if (this.peek('for')) return this.forExpr(live, '}');
        const out = {};
        while (!this.peek('}')) {
            const kt = this.toks[this.i];
            let k;
            if (kt.t === 'id' && (this.toks[this.i + 1]?.v === '=' || this.toks[this.i + 1]?.v === ':')) { this.i++; k = kt.v; }
            else k = this.expr(live);
            this.take(this.peek(':') ? ':' : '=');
            out[k] = this.expr(live);
            if (this.peek(',')) this.take(',');
        }
        this.take('}');
        return out;
    }
    // [for x in L : E if C] / {for k, v in M : K => V if C}: the body is re-parsed per item.
    forExpr(live, close) {
        this.take('for');
        const names = [this.take().v];
        if (this.peek(',')) { this.take(); names.push(this.take().v); }
        this.take('in');
        const coll = this.expr(live);
        this.take(':');
        const bodyStart = this.i;
        const items = live ? entries(coll, this) : [];
        const run = (scope, isLive) => {
            const p = new Parser(this.toks, scope, this.src);
            p.i = bodyStart;
            const k = p.expr(isLive);
            let v;
            if (close === '}') { p.take('=>'); v = p.expr(isLive); if (p.peek('...')) p.fail('grouping for expressions are not supported'); }
            let keep = true;
            if (p.peek('if')) { p.take(); keep = p.expr(isLive); }
            return { p, k, v, keep };
        };
        const out = close === '}' ? {} : [];
        let end = null;
        for (const [key, val] of items) {
            const scope = Object.create(this.scope);
            if (names.length === 2) { scope[names[0]] = key; scope[names[1]] = val; } else scope[names[0]] = val;
            const r = run(scope, true);
            end = r.p.i;
            if (!truthy(r.keep, this)) continue;
            if (close === '}') out[r.k] = r.v; else out.push(r.k);
        }
        if (end === null) end = run(Object.create(this.scope), false).p.i;
        this.i = end;
        this.take(close);
        return live ? out : SKIP;
    }
    call(name, live) {
        if (name === 'can') return this.can(live);
        this.take('(');
        const args = [];
        while (!this.peek(')')) { args.push(this.expr(live)); if (this.peek('...')) this.fail('argument expansion (...) is not supported'); if (!this.peek(')')) this.take(','); }
        this.take(')');
        if (!live) return SKIP;
        const f = FUNCTIONS[name];
        if (!f) this.fail(`function ${name}() is not supported by the checker`);
        return f(args, this);
    }

    // can(E): E is read once without evaluating it, then evaluated; any error gives false.
    can(live) {
        this.take('(');
        const start = this.i;
        this.expr(false);
        this.take(')');
        if (!live) return SKIP;
        const p = new Parser(this.toks, this.scope, this.src);
        p.i = start;
        try { p.expr(true); return true; } catch (e) { if (e instanceof EvalError) return false; throw e; }
    }
}

function truthy(v, p) { if (typeof v !== 'boolean') p.fail(`expected a bool, got ${JSON.stringify(v)}`); return v; }
function num(v, p) { if (typeof v === 'string' && /^-?[0-9.]+$/.test(v)) return Number(v); if (typeof v !== 'number') p.fail(`expected a number, got ${JSON.stringify(v)}`); return v; }
function entries(coll, p) {
    if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
    if (coll && typeof coll === 'object') return Object.keys(coll).sort().map((k) => [k, coll[k]]);
    p.fail(`cannot iterate over ${JSON.stringify(coll)}`);
}
function attr(v, k, p) {
    if (v === null || v === undefined) p.fail(`attribute ${k} of null`);
    if (Array.isArray(v)) { if (typeof k !== 'number') p.fail(`list index ${JSON.stringify(k)}`); if (k >= v.length) p.fail(`index ${k} out of range`); return v[k]; }
    if (typeof v !== 'object') p.fail(`attribute ${k} of ${JSON.stringify(v)}`);
    if (!(k in v)) p.fail(`no attribute ${JSON.stringify(k)} (has ${Object.keys(v).join(', ')})`);
    return v[k];
}
const str = (v, p) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : p.fail(`expected a string, got ${JSON.stringify(v)}`));

// Terraform's regex results: the match without capture groups, else the groups (named: an object;
// a group that took no part is null).
function regexResult(m) {
    if (m.groups) return Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, v ?? null]));
    return m.length === 1 ? m[0] : m.slice(1).map((v) => v ?? null);
}

const FUNCTIONS = {
    jsonencode: ([v]) => JSON.stringify(v),
    jsondecode: ([v]) => JSON.parse(v),
    base64encode: ([s], p) => Buffer.from(str(s, p), 'utf8').toString('base64'),
    tostring: ([v], p) => (v === null ? null : str(v, p)),
    tonumber: ([v], p) => (v === null ? null : num(v, p)),
    tolist: ([v]) => v,
    toset: ([v]) => [...new Set(v)].sort(),
    coalesce: (args, p) => { const v = args.find((a) => a !== null && a !== ''); if (v === undefined) p.fail('coalesce: no non-null argument'); return v; },
    concat: (args) => [].concat(...args),
    distinct: ([l]) => l.filter((v, i) => l.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) === i),
    join: ([sep, l], p) => l.map((v) => str(v, p)).join(sep),
    lower: ([s], p) => str(s, p).toLowerCase(),
    upper: ([s], p) => str(s, p).toUpperCase(),
    replace: ([s, a, b], p) => str(s, p).split(a).join(b),
    startswith: ([s, a], p) => str(s, p).startsWith(a),
    min: (args) => Math.min(...args),
    max: (args) => Math.max(...args),
    floor: ([n]) => Math.floor(n),
    ceil: ([n]) => Math.ceil(n),
    length: ([v]) => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : Object.keys(v).length),
    one: ([l], p) => (l.length === 0 ? null : l.length === 1 ? l[0] : p.fail('one() of more than one element')),
    merge: (args) => Object.assign({}, ...args.filter((a) => a !== null)),
    keys: ([m]) => Object.keys(m).sort(),
    values: ([m]) => Object.keys(m).sort().map((k) => m[k]),
    sort: ([l]) => [...l].sort(),
    contains: ([l, v]) => l.some((w) => JSON.stringify(w) === JSON.stringify(v)),
    alltrue: ([l]) => l.every((v) => v === true),
    anytrue: ([l]) => l.some((v) => v === true),
    pow: ([a, b], p) => num(a, p) ** num(b, p),
    index: ([l, v], p) => { const i = l.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)); return i < 0 ? p.fail(`index: ${JSON.stringify(v)} is not in the list`) : i; },
    regex: ([re, s], p) => { const m = new RegExp(str(re, p)).exec(str(s, p)); return m ? regexResult(m) : p.fail(`regex: ${JSON.stringify(s)} does not match ${re}`); },
    regexall: ([re, s], p) => [...str(s, p).matchAll(new RegExp(str(re, p), 'g'))].map(regexResult),
    format: ([f, ...a], p) => { let i = 0; return str(f, p).replace(/%[sd]/g, () => str(a[i++], p)); },
};
