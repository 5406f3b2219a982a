//! The HTML report: one self-contained file (inline style and script, no
//! external asset; a Content-Security-Policy forbids loading any), with a
//! summary, a table of findings filterable by text and severity, and for
//! each finding its CWE, OWASP category, evidence, proof, request, response
//! and curl. Everything that came from the target is escaped.

use std::fmt::Write as _;

use super::document::Report;
use crate::checks::Finding;

/// Text made safe for HTML content and quoted attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:16px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d1d9}
main{padding:16px 24px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}
.controls{display:flex;gap:8px;margin:12px 0}
.controls input{flex:1;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px}
.controls select{padding:6px;border:1px solid #d0d7de;border-radius:6px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{padding:6px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.sev{font-weight:600;text-transform:uppercase;font-size:12px;padding:2px 6px;border-radius:4px;color:#fff}
.sev-critical{background:#8b0000}.sev-high{background:#cf222e}.sev-medium{background:#bf8700}.sev-low{background:#0969da}.sev-info{background:#6e7781}
details summary{cursor:pointer;color:#0969da}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #eaeef2;padding:8px;border-radius:4px;max-height:360px;overflow:auto;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}
dt{font-weight:600}
.muted{color:#57606a}
tr.hidden{display:none}
"#;

const SCRIPT: &str = r#"
(function(){
  var q=document.getElementById('filter'), s=document.getElementById('severity');
  var rows=document.querySelectorAll('tr.finding'), shown=document.getElementById('shown');
  // a link may carry a filter: report.html#severity=high&q=sqli
  var h=new URLSearchParams(location.hash.slice(1));
  if(h.get('q')){q.value=h.get('q');}
  if(h.get('severity')){s.value=h.get('severity');}
  function apply(){
    var text=q.value.toLowerCase(), sev=s.value, n=0;
    rows.forEach(function(r){
      var ok=(!sev||r.dataset.severity===sev)&&(!text||r.textContent.toLowerCase().indexOf(text)>=0);
      r.classList.toggle('hidden',!ok); if(ok){n++;}
    });
    shown.textContent=n;
  }
  q.addEventListener('input',apply); s.addEventListener('change',apply); apply();
  document.documentElement.setAttribute('data-rendered', String(rows.length));
})();
"#;

fn headers(out: &mut String, list: &[(String, String)]) {
    for (n, v) in list {
        let _ = writeln!(out, "{}: {}", esc(n), esc(v));
    }
}

fn finding_row(out: &mut String, f: &Finding) {
    let sev = f.severity.as_str();
    let _ = write!(
        out,
        "<tr class=\"finding\" id=\"finding-{id}\" data-id=\"{id}\" data-severity=\"{sev}\"><td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{check}</td><td>{method} {path}</td><td>{title}",
        id = esc(&f.id),
        check = esc(&f.check),
        method = esc(&f.operation.method),
        path = esc(&f.operation.path),
        title = esc(&f.title),
    );
    let _ = write!(out, "<details><summary>details</summary><dl>");
    let _ = write!(out, "<dt>id</dt><dd><code>{}</code></dd>", esc(&f.id));
    if let Some(cwe) = f.cwe {
        let _ = write!(out, "<dt>CWE</dt><dd>CWE-{cwe}</dd>");
    }
    if let Some(o) = f.owasp {
        let _ = write!(out, "<dt>OWASP</dt><dd>{} {}</dd>", o.id(), esc(o.name()));
    }
    let _ = write!(
        out,
        "<dt>confidence</dt><dd>{}</dd><dt>probe</dt><dd>{}</dd><dt>occurrences</dt><dd>{}</dd><dt>evidence</dt><dd>{}</dd>",
        esc(&serde_json::to_value(f.confidence)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()),
        esc(&f.probe),
        f.occurrences,
        esc(&f.evidence)
    );
    for p in &f.proof {
        let _ = write!(
            out,
            "<dt>proof: {}</dt><dd>{}</dd>",
            esc(&p.name),
            esc(&p.value)
        );
    }
    let _ = write!(out, "</dl><p><b>Request</b></p><pre>");
    let _ = writeln!(out, "{} {}", esc(&f.request.method), esc(&f.request.url));
    headers(out, &f.request.headers);
    if let Some(b) = &f.request.body {
        let _ = write!(out, "\n{}", esc(b));
    }
    let _ = write!(out, "</pre>");
    if let Some(r) = &f.response {
        let _ = write!(out, "<p><b>Response</b> ({} ms)</p><pre>", f.elapsed_ms);
        let _ = writeln!(out, "{}", r.status);
        headers(out, &r.headers);
        let _ = write!(out, "\n{}", esc(&r.body));
        if r.truncated {
            let _ = write!(out, "\n… (cut)");
        }
        let _ = write!(out, "</pre>");
    }
    if let Some(fail) = &f.failure {
        let _ = write!(
            out,
            "<p><b>No response</b></p><pre>{}: {}</pre>",
            esc(&fail.kind),
            esc(&fail.message)
        );
    }
    let _ = writeln!(
        out,
        "<p><b>Reproduce</b></p><pre class=\"curl\">{}</pre></details></td><td><code>{}</code></td></tr>",
        esc(&f.curl),
        esc(&f.id)
    );
}

/// `report` as one self-contained HTML page.
pub fn html(report: &Report) -> String {
    let mut out = String::new();
    let title = format!("apiprobe: {}", report.spec.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let s = &report.stats;
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p>{} {} · target {} · {} operations, {} requests in {:.1} s · seed {} · apiprobe {}</p></header><main>",
        esc(&title),
        esc(&report.spec.version),
        esc(&report.spec.source),
        esc(&report.target),
        s.operations,
        s.requests,
        s.elapsed_ms as f64 / 1000.0,
        report.seed,
        esc(&report.tool.version)
    );
    let c = report.summary;
    let _ = write!(
        out,
        "<section class=\"cards\" id=\"summary\"><div class=\"card\"><b id=\"total\">{}</b>findings</div>",
        report.findings.len()
    );
    for (name, n) in [
        ("critical", c.critical),
        ("high", c.high),
        ("medium", c.medium),
        ("low", c.low),
        ("info", c.info),
    ] {
        let _ = write!(
            out,
            "<div class=\"card\"><b class=\"count-{name}\">{n}</b>{name}</div>"
        );
    }
    let _ = writeln!(out, "</section>");
    let stopped = serde_json::to_value(&report.stopped)
        .ok()
        .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_default();
    if stopped != "completed" {
        let _ = writeln!(
            out,
            "<p class=\"muted\">The scan stopped early ({}): these are the findings so far.</p>",
            esc(&stopped)
        );
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            out,
            "<p class=\"muted\" id=\"baseline\">Baseline {}: {} known findings left out, {} fixed.</p>",
            esc(&b.file),
            b.suppressed,
            b.fixed.len()
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"controls\"><input id=\"filter\" type=\"search\" placeholder=\"Filter findings (check, path, text)\" aria-label=\"filter\">\
<select id=\"severity\" aria-label=\"severity\"><option value=\"\">every severity</option><option>critical</option><option>high</option><option>medium</option><option>low</option><option>info</option></select>\
<span class=\"muted\"><span id=\"shown\"></span> shown</span></div>"
    );
    if report.findings.is_empty() {
        let _ = writeln!(out, "<p id=\"no-findings\">No findings.</p>");
    }
    let _ = writeln!(
        out,
        "<table id=\"findings\"><thead><tr><th>severity</th><th>check</th><th>operation</th><th>finding</th><th>id</th></tr></thead><tbody>"
    );
    for f in &report.findings {
        finding_row(&mut out, f);
    }
    let _ = writeln!(
        out,
        "</tbody></table></main><script>{SCRIPT}</script></body></html>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{esc, html};
    use crate::report::hostile_report;

    #[test]
    fn a_hostile_report_cannot_inject_markup() {
        let page = html(&hostile_report());
        assert_eq!(
            page.matches("<script").count(),
            1,
            "only the report's own script"
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains('\u{0}'));
        assert!(page.contains("id=\"finding-00ff00ff00ff00ff\""));
        assert!(!page.contains("http-equiv=\"refresh\""));
    }

    #[test]
    fn target_text_cannot_open_tags() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
