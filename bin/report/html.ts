/**
 * Shared pieces of the self-contained HTML reports: escaping, number formatting and the page shell.
 * Every page carries a Content-Security-Policy that allows nothing but its own inline styles and
 * data: images, so it cannot load anything from the network or run a script, wherever it is opened.
 */

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for people: 4 significant digits, exponent for tiny or huge values, `-` for NaN. */
export function num(x: number | undefined | null): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(2);
  if (a >= 1000) return String(Math.round(x));
  return x.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** A share as a percentage. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;
}

/** Coordinates rounded for compact SVG. */
export function r2(x: number): string {
  return String(Math.round(x * 100) / 100);
}

const BASE_CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f6f7f9;color:#1d2329}
header{background:#1d2329;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:#c9d1d9}
main{padding:20px 28px;max-width:1180px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:18px}
.pill{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:8px 14px}
.pill b{font-size:18px;display:block}
.bad{color:#b42318}.good{color:#067647}
.card{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:14px 18px;margin-bottom:16px}
.card.drifted{border-left:6px solid #d92d20}
.card h2{margin:0 0 8px;font-size:16px;display:flex;gap:10px;align-items:center}
.badge{font-size:11px;font-weight:700;border-radius:10px;padding:2px 8px;background:#eaecf0;color:#344054}
.badge.drift{background:#fee4e2;color:#b42318}
.badge.ok{background:#dcfae6;color:#067647}
.row{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;font-size:13px}
td,th{padding:3px 8px;text-align:left;border-bottom:1px solid #eef0f3}
th{color:#475467;font-weight:600}
.legend{font-size:12px;color:#475467}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#475467}
`;

/** A complete HTML document: no scripts, no network (CSP `default-src 'none'`). */
export function page(title: string, subtitle: string, body: string, extraCss = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${BASE_CSS}${extraCss}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(subtitle)}</p></header>
<main>
${body}
</main>
</body>
</html>
`;
}
