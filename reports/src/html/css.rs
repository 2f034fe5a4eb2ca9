//! The report's inline style sheet: system fonts, responsive grid, print rules.

/// Inline CSS of `report.html`.
pub const CSS: &str = r#"
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--pass:#15803d;--fail:#b91c1c;--warn:#b45309;--na:#6b7280;--accent:#2563eb}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2em 0}
h2{font-size:1.25rem;margin:1.6em 0 .6em;padding-bottom:.25em;border-bottom:2px solid var(--line)}
section>h2:first-child{margin-top:0}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:16px 0}
.muted{color:var(--muted)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td code,.gate code{overflow-wrap:anywhere;word-break:break-all;font-size:12px}
pre{background:#f3f4f6;border-radius:6px;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.4em 0}
.cover{display:grid;grid-template-columns:auto 1fr;gap:20px;align-items:center}
.grade{width:112px;height:112px;border-radius:50%;display:flex;flex-direction:column;align-items:center;justify-content:center;color:#fff;font-weight:700}
.grade b{font-size:3rem;line-height:1}
.grade span{font-size:.8rem;font-weight:500}
.g-A{background:var(--pass)}.g-B{background:#4d7c0f}.g-C{background:var(--warn)}.g-F{background:var(--fail)}.g-x{background:var(--na)}
.verdict{display:inline-block;padding:2px 12px;border-radius:999px;color:#fff;font-weight:700;letter-spacing:.05em}
.v-pass{background:var(--pass)}.v-fail{background:var(--fail)}.v-error{background:var(--warn)}
.kpis{display:flex;flex-wrap:wrap;gap:8px 24px;margin:.6em 0}
.kpis div{min-width:120px}.kpis b{display:block;font-size:1.35rem}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:#f9fafb}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.area td{background:#eef2ff;font-weight:700}
tr.ne td{color:var(--na)}
.disclosure th{width:11em;text-transform:none;font-size:.85rem;letter-spacing:0}
.badge{display:inline-block;padding:0 8px;border-radius:4px;font-size:.8rem;font-weight:700;color:#fff;white-space:nowrap}
.b-pass{background:var(--pass)}.b-fail{background:var(--fail)}.b-expected_fail{background:var(--warn)}.b-not_evaluated{background:var(--na)}
.gates{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
.gate{border:1px solid var(--line);border-left:5px solid var(--na);border-radius:6px;padding:8px 10px;font-size:.9rem}
.gate.pass{border-left-color:var(--pass)}.gate.fail{border-left-color:var(--fail);background:#fef2f2}.gate.expected_fail{border-left-color:var(--warn)}
.gate p{margin:.2em 0}
.scorebar{display:inline-block;width:64px;height:8px;background:var(--line);border-radius:4px;vertical-align:middle;margin-right:6px;overflow:hidden}
.scorebar i{display:block;height:100%;background:var(--accent)}
.charts{display:grid;grid-template-columns:1fr;gap:12px}
.duo{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:12px;align-items:start}
figure{margin:0}
svg{width:100%;max-width:100%;height:auto;display:block}
.finding{border-left:4px solid var(--fail);padding:4px 12px;margin:12px 0}
.ev{display:block}
.ev span{color:var(--muted);user-select:none}
.small{font-size:.85rem}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin:24px 0}
@media (max-width:720px){
 main{padding:8px}
 section{padding:12px}
 .cover{grid-template-columns:1fr}
 .duo{grid-template-columns:1fr}
 table.wide thead{display:none}
 table.wide tr{display:block;border-bottom:1px solid var(--line);padding:6px 0}
 table.wide td{display:block;border:0;padding:2px 4px}
 table.wide td[data-h]::before{content:attr(data-h) ": ";color:var(--muted);font-size:.8rem}
 td.num{text-align:left}
}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 section{border:0;padding:0;margin:0 0 12pt;break-inside:auto}
 figure,.gate,.finding,tr{break-inside:avoid}
 h2{break-after:avoid}
 .grade,.verdict,.badge,.g-A,.g-B,.g-C,.g-F,.scorebar i{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 a{color:inherit;text-decoration:none}
}
"#;
