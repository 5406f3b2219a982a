//! `apiprobe inspect`: what apiprobe sees in a spec.

use std::fmt::Write as _;

use apiprobe::model::{Api, Operation, ParameterLocation, SecurityRequirement};
use apiprobe::spec::{Loader, Source};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Value, json};

use super::args::InspectArgs;
use super::exit;

/// Loads the spec and prints it; exit code 2 when it cannot be read, or
/// when some of its operations cannot (they are listed, and left out).
pub async fn run(args: InspectArgs) -> u8 {
    let loader = Loader::new()
        .strict(args.strict)
        .allow_external_refs(args.allow_external_refs);
    let mut api = match loader.load(&Source::parse(&args.spec)).await {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let unfit = apiprobe::generate::unfit_strings(&api);
    api.warnings.extend(unfit);
    if args.json {
        if let Err(e) = write_json(&api)
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            eprintln!("error: cannot write JSON: {e}");
            return exit::USAGE;
        }
    } else {
        print!("{}", render(&api));
    }
    if !api.skipped.is_empty() {
        eprintln!(
            "error: {} operation(s) could not be read and are left out:",
            api.skipped.len()
        );
        for s in &api.skipped {
            eprintln!("  {}: {}", s.operation, s.error);
        }
        // the spec is not all there: a script must not take it as fine
        return exit::USAGE;
    }
    exit::OK
}

/// The human-readable report: summary, operations table, warnings.
pub fn render(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", api.title, api.version);
    let rows = [
        ("format", api.spec_version.to_string()),
        ("source", api.source.clone()),
        (
            "servers",
            api.servers
                .iter()
                .map(|s| s.resolved_url())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("operations", api.operations.len().to_string()),
        (
            "security",
            if api.security_schemes.is_empty() {
                "none declared".into()
            } else {
                api.security_schemes
                    .iter()
                    .map(|(name, s)| format!("{name} ({})", s.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        ("warnings", api.warnings.len().to_string()),
        ("skipped", api.skipped.len().to_string()),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "  {:<11} {value}", format!("{label}:"));
    }
    out.push('\n');

    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["METHOD", "PATH", "OPERATION", "PARAMETERS", "BODY", "AUTH"]);
    for op in &api.operations {
        table.add_row([
            op.method.to_string(),
            path_text(op),
            op.id.clone() + if op.deprecated { " (deprecated)" } else { "" },
            parameters_text(op),
            op.body
                .as_ref()
                .map(|b| {
                    let types: Vec<&str> =
                        b.content.iter().map(|m| m.media_type.as_str()).collect();
                    format!(
                        "{}{}",
                        types.join(", "),
                        if b.required { "" } else { " (optional)" }
                    )
                })
                .unwrap_or_else(|| "-".into()),
            auth_text(&op.security),
        ]);
    }
    if api.operations.is_empty() {
        let _ = writeln!(out, "(no operations)");
    } else {
        let _ = writeln!(out, "{table}");
    }
    if !api.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for w in &api.warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}

/// The path as requests go out: the template, then the query pairs and
/// headers the spec's `paths` key fixes (`/ ?Action=DescribeAlarms`,
/// `/ [x-amz-target: Svc.Op]`).
fn path_text(op: &Operation) -> String {
    let mut out = op.path.clone();
    if !op.fixed_query.is_empty() {
        out.push_str(" ?");
        out.push_str(&op.fixed_query.join("&"));
    }
    for (name, value) in &op.fixed_headers {
        out.push_str(&format!(" [{name}: {value}]"));
    }
    out
}

/// `path: petId*; query: limit, tags` (a star marks required parameters).
fn parameters_text(op: &Operation) -> String {
    let groups: Vec<String> = [
        ParameterLocation::Path,
        ParameterLocation::Query,
        ParameterLocation::Header,
        ParameterLocation::Cookie,
    ]
    .into_iter()
    .filter_map(|loc| {
        let names: Vec<String> = op
            .parameters_in(loc)
            .map(|p| format!("{}{}", p.name, if p.required { "*" } else { "" }))
            .collect();
        (!names.is_empty()).then(|| format!("{}: {}", loc.as_str(), names.join(", ")))
    })
    .collect();
    if groups.is_empty() {
        "-".into()
    } else {
        groups.join("; ")
    }
}

/// `public`, or alternatives joined by ` | ` with AND-ed schemes joined by `+`.
fn auth_text(security: &[SecurityRequirement]) -> String {
    if security.is_empty() {
        return "public".into();
    }
    security
        .iter()
        .map(|req| {
            if req.is_empty() {
                "anonymous".to_owned()
            } else {
                req.keys().cloned().collect::<Vec<_>>().join("+")
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Writes [`Summary`] to standard output as pretty JSON, one operation
/// built at a time (a spec of 22,000 operations is never one JSON value).
fn write_json(api: &Api) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &Summary(api))?;
    writeln!(out)?;
    out.flush()
}

/// The same as [`render`], as JSON.
pub struct Summary<'a>(pub &'a Api);

impl serde::Serialize for Summary<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let api = self.0;
        let mut map = serializer.serialize_map(Some(11))?;
        map.serialize_entry("title", &api.title)?;
        map.serialize_entry("version", &api.version)?;
        map.serialize_entry("specVersion", &api.spec_version)?;
        map.serialize_entry("source", &api.source)?;
        map.serialize_entry("servers", &api.servers)?;
        map.serialize_entry("securitySchemes", &api.security_schemes)?;
        map.serialize_entry("security", &api.security)?;
        map.serialize_entry("operationCount", &api.operations.len())?;
        map.serialize_entry("operations", &Operations(api))?;
        map.serialize_entry("warnings", &api.warnings)?;
        map.serialize_entry("skipped", &api.skipped)?;
        map.end()
    }
}

/// The operations of [`Summary`], each made a JSON value as it is written.
struct Operations<'a>(&'a Api);

impl serde::Serialize for Operations<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let api = self.0;
        serializer.collect_seq(api.operations.iter().map(|op| operation_json(api, op)))
    }
}

/// One operation of [`Summary`].
fn operation_json(api: &Api, op: &Operation) -> Value {
    json!({
        "id": op.id,
        "operationId": op.operation_id,
        "method": op.method,
        "path": op.path,
        "pathKey": op.key_rest.as_ref().map(|rest| format!("{}{rest}", op.path)),
        "fixedQuery": op.fixed_query,
        "fixedHeaders": op.fixed_headers,
        "tags": op.tags,
        "summary": op.summary,
        "deprecated": op.deprecated,
        "parameters": op.parameters.iter().map(|p| json!({
            "name": p.name, "in": p.location, "required": p.required,
            "style": p.style, "explode": p.explode,
            "schema": p.schema.map(|id| api.schemas.to_json_schema(id)),
        })).collect::<Vec<_>>(),
        "body": op.body.as_ref().map(|b| json!({
            "required": b.required,
            "mediaTypes": b.content.iter().map(|m| &m.media_type).collect::<Vec<_>>(),
        })),
        "responses": op.responses.iter().map(|r| json!({
            "status": r.status.to_string(),
            "mediaTypes": r.content.iter().map(|m| &m.media_type).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "security": op.security,
        "public": op.is_public(),
        "pointer": op.pointer,
    })
}
