//! Whole operations, loaded from YAML, serialised into wire requests.

use apiprobe::generate::{Request, RequestBody, Unsendable, Values, curl, serialise};
use apiprobe::model::{Api, Method, Operation};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// The example values of the OpenAPI style table.
fn table_values() -> [Value; 3] {
    [
        json!("blue"),
        json!(["blue", "black", "brown"]),
        json!({"R": 100, "G": 200, "B": 150}),
    ]
}

/// Attack strings whose bytes must reach the server exactly.
const ATTACKS: &[&str] = &[
    "' OR 1=1--",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "a&b=c",
    "%00",
    "é",
    "a b+c",
    ";,=.:@",
    "#?/\\",
    "\u{0}\r\n\t",
    "[]{}|^`\"",
    "日本語 🦀",
];

fn load(yaml: &str) -> Api {
    apiprobe::spec::load_str(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// A spec with one GET operation `op` on `path` taking `params` (YAML flow mappings).
fn with_params(path: &str, params: &[&str]) -> Api {
    let list: String = params.iter().map(|p| format!("        - {p}\n")).collect();
    load(&format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  {path}:
    get:
      operationId: op
      parameters:
{list}      responses:
        '200': {{description: ok}}
"
    ))
}

/// A spec with one POST operation `op` on `/things` whose body is `content` (YAML, indented 10).
fn with_body(content: &str, components: &str) -> Api {
    load(&format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /things:
    post:
      operationId: op
      requestBody:
        content:
{content}
      responses:
        '200': {{description: ok}}
components:
  schemas:
    Placeholder: {{type: string}}
{components}"
    ))
}

fn the_op(api: &Api) -> &Operation {
    api.operation("op")
        .unwrap_or_else(|| panic!("no operation op in {:?}", api.skipped))
}

fn send(api: &Api, params: Vec<Option<Value>>) -> Result<Request, Unsendable> {
    let values = Values {
        parameters: params,
        body: None,
    };
    serialise(api, the_op(api), &values)
}

fn send_ok(api: &Api, params: Vec<Option<Value>>) -> Request {
    send(api, params).unwrap_or_else(|e| panic!("{e}"))
}

fn send_body(api: &Api, index: usize, value: Value) -> RequestBody {
    let values = Values {
        parameters: Vec::new(),
        body: Some((index, value)),
    };
    serialise(api, the_op(api), &values)
        .unwrap_or_else(|e| panic!("{e}"))
        .body
        .unwrap_or_else(|| panic!("no body"))
}

fn decode(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    count(haystack, needle) > 0
}

fn path_api(style: &str, explode: bool) -> Api {
    with_params(
        "/c/{color}",
        &[&format!(
            "{{name: color, in: path, required: true, style: {style}, explode: {explode}, schema: {{}}}}"
        )],
    )
}

fn query_api(style: &str, explode: bool) -> Api {
    with_params(
        "/c",
        &[&format!(
            "{{name: color, in: query, style: {style}, explode: {explode}, schema: {{}}}}"
        )],
    )
}

#[test]
fn path_styles_follow_the_openapi_table() {
    let table: [(&str, bool, [&str; 3]); 6] = [
        (
            "simple",
            false,
            ["blue", "blue,black,brown", "R,100,G,200,B,150"],
        ),
        (
            "simple",
            true,
            ["blue", "blue,black,brown", "R=100,G=200,B=150"],
        ),
        (
            "label",
            false,
            [".blue", ".blue,black,brown", ".R,100,G,200,B,150"],
        ),
        (
            "label",
            true,
            [".blue", ".blue.black.brown", ".R=100.G=200.B=150"],
        ),
        (
            "matrix",
            false,
            [
                ";color=blue",
                ";color=blue,black,brown",
                ";color=R,100,G,200,B,150",
            ],
        ),
        (
            "matrix",
            true,
            [
                ";color=blue",
                ";color=blue;color=black;color=brown",
                ";R=100;G=200;B=150",
            ],
        ),
    ];
    for (style, explode, expected) in table {
        let api = path_api(style, explode);
        for (value, want) in table_values().into_iter().zip(expected) {
            let req = send_ok(&api, vec![Some(value.clone())]);
            assert_eq!(
                req.path,
                format!("/c/{want}"),
                "{style} explode={explode} {value}"
            );
            assert_eq!(req.query, "");
        }
    }
}

#[test]
fn path_empty_values_follow_rfc_6570() {
    for (style, want) in [
        ("simple", "/c/"),
        ("label", "/c/."),
        ("matrix", "/c/;color"),
    ] {
        let api = path_api(style, false);
        assert_eq!(send_ok(&api, vec![Some(json!(""))]).path, want);
        assert_eq!(send_ok(&api, vec![Some(Value::Null)]).path, want);
    }
}

#[test]
fn query_styles_follow_the_openapi_table() {
    let [string, array, object] = table_values();
    let table: [(&str, bool, &Value, &str); 13] = [
        ("form", false, &string, "color=blue"),
        ("form", false, &array, "color=blue,black,brown"),
        ("form", false, &object, "color=R,100,G,200,B,150"),
        ("form", true, &string, "color=blue"),
        ("form", true, &array, "color=blue&color=black&color=brown"),
        ("form", true, &object, "R=100&G=200&B=150"),
        (
            "spaceDelimited",
            false,
            &array,
            "color=blue%20black%20brown",
        ),
        (
            "spaceDelimited",
            false,
            &object,
            "color=R%20100%20G%20200%20B%20150",
        ),
        ("pipeDelimited", false, &array, "color=blue|black|brown"),
        ("pipeDelimited", false, &object, "color=R|100|G|200|B|150"),
        (
            "deepObject",
            true,
            &object,
            "color[R]=100&color[G]=200&color[B]=150",
        ),
        ("form", true, &json!(""), "color="),
        ("form", false, &Value::Null, "color="),
    ];
    for (style, explode, value, want) in table {
        let api = query_api(style, explode);
        let req = send_ok(&api, vec![Some(value.clone())]);
        assert_eq!(req.query, want, "{style} explode={explode} {value}");
        assert_eq!(req.path, "/c");
    }
}

#[test]
fn deep_object_nests_and_encodes_keys() {
    let api = query_api("deepObject", true);
    let value = json!({"a b": {"c]": "x&y"}, "list": [1, 2], "e": {}});
    let req = send_ok(&api, vec![Some(value)]);
    assert_eq!(
        req.query,
        "color[a%20b][c%5D]=x%26y&color[list]=1&color[list]=2&color[e]="
    );
}

#[test]
fn path_values_round_trip_exactly() {
    for style in ["simple", "label", "matrix"] {
        let api = path_api(style, false);
        let prefix = match style {
            "label" => "/c/.",
            "matrix" => "/c/;color=",
            _ => "/c/",
        };
        for attack in ATTACKS {
            let req = send_ok(&api, vec![Some(json!(attack))]);
            let segment = req
                .path
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{style}: {} lacks {prefix}", req.path));
            assert!(
                !segment.contains(['/', '?', '#', ' ']),
                "{style}: {segment}"
            );
            assert_eq!(decode(segment), attack.as_bytes(), "{style}: {segment}");
        }
    }
}

#[test]
fn query_values_and_names_round_trip_exactly() {
    for attack in ATTACKS {
        let api = with_params(
            "/q",
            &[&format!(
                "{{name: {}, in: query, schema: {{}}}}",
                json!(attack)
            )],
        );
        let req = send_ok(&api, vec![Some(json!(attack))]);
        let (name, value) = req
            .query
            .split_once('=')
            .unwrap_or_else(|| panic!("{}", req.query));
        assert!(
            req.query.bytes().all(|b| b.is_ascii_graphic()),
            "{}",
            req.query
        );
        assert!(!value.contains(['&', '=', '+', '#', ' ']), "{value}");
        assert_eq!(decode(name), attack.as_bytes());
        assert_eq!(decode(value), attack.as_bytes());
    }
}

#[test]
fn exploded_query_arrays_round_trip_each_item() {
    let api = query_api("form", true);
    let items: Vec<Value> = ATTACKS.iter().map(|a| json!(a)).collect();
    let req = send_ok(&api, vec![Some(Value::Array(items))]);
    let decoded: Vec<Vec<u8>> = req
        .query
        .split('&')
        .map(|pair| decode(pair.strip_prefix("color=").unwrap_or("<missing>")))
        .collect();
    let want: Vec<Vec<u8>> = ATTACKS.iter().map(|a| a.as_bytes().to_vec()).collect();
    assert_eq!(decoded, want);
}

#[test]
fn allow_reserved_keeps_reserved_characters_raw() {
    let value = "a/b?c=d&e:f@g,h;i!$'()*+[x]#%41%zz é";
    let api = with_params(
        "/q",
        &[
            "{name: r, in: query, allowReserved: true, schema: {type: string}}",
            "{name: s, in: query, schema: {type: string}}",
        ],
    );
    let req = send_ok(&api, vec![Some(json!(value)), Some(json!(value))]);
    let (reserved, strict) = req
        .query
        .split_once("&s=")
        .unwrap_or_else(|| panic!("{}", req.query));
    assert_eq!(
        reserved,
        "r=a/b?c=d&e:f@g,h;i!$'()*+%5Bx%5D%23%41%25zz%20%C3%A9"
    );
    assert_eq!(
        strict,
        "a%2Fb%3Fc%3Dd%26e%3Af%40g%2Ch%3Bi%21%24%27%28%29%2A%2B%5Bx%5D%23%2541%25zz%20%C3%A9"
    );
    assert_eq!(decode(strict), value.as_bytes());
}

#[test]
fn content_parameter_is_json_then_encoded() {
    let api = with_params(
        "/q",
        &["{name: filter, in: query, content: {application/json: {schema: {type: object}}}}"],
    );
    let value = json!({"a": 1, "b": "x y"});
    let req = send_ok(&api, vec![Some(value.clone())]);
    assert_eq!(
        req.query,
        "filter=%7B%22a%22%3A1%2C%22b%22%3A%22x%20y%22%7D"
    );
    let encoded = req.query.trim_start_matches("filter=");
    assert_eq!(decode(encoded), value.to_string().into_bytes());
}

#[test]
fn missing_values_are_left_out_but_a_path_value_is_required() {
    let api = with_params(
        "/p/{id}",
        &[
            "{name: id, in: path, required: true, schema: {type: integer}}",
            "{name: a, in: query, schema: {type: string}}",
            "{name: b, in: query, schema: {type: string}}",
            "{name: X-H, in: header, schema: {type: string}}",
        ],
    );
    let req = send_ok(&api, vec![Some(json!(7)), None, Some(json!(true)), None]);
    assert_eq!(req.path, "/p/7");
    assert_eq!(req.query, "b=true");
    assert!(req.headers.is_empty());
    assert!(req.body.is_none());
    assert_eq!(req.method, Method::Get);

    let err = send(&api, vec![None, Some(json!("x"))]).err();
    assert_eq!(
        err.map(|e| (e.location, e.name)),
        Some(("path".to_owned(), "id".to_owned()))
    );
}

fn header_api() -> Api {
    with_params(
        "/h",
        &[
            "{name: X-Trace, in: header, schema: {type: string}}",
            "{name: X-List, in: header, schema: {type: array, items: {type: string}}}",
            "{name: X-Obj, in: header, explode: true, schema: {type: object}}",
        ],
    )
}

#[test]
fn header_values_are_simple_style_and_unencoded() {
    let api = header_api();
    let req = send_ok(
        &api,
        vec![
            Some(json!("é tab\there %41 <x>")),
            Some(json!(["a b", 2])),
            Some(json!({"R": 100, "G": 200})),
        ],
    );
    assert_eq!(
        req.headers,
        vec![
            ("X-Trace".to_owned(), "é tab\there %41 <x>".to_owned()),
            ("X-List".to_owned(), "a b,2".to_owned()),
            ("X-Obj".to_owned(), "R=100,G=200".to_owned()),
        ]
    );
}

#[test]
fn header_control_characters_are_unsendable() {
    let api = header_api();
    for bad in [
        "a\r\nInjected: 1",
        "a\nb",
        "nul\u{0}",
        "del\u{7f}",
        "bell\u{7}",
    ] {
        let err = send(&api, vec![Some(json!(bad)), None, None]);
        match err {
            Err(Unsendable { location, name, .. }) => {
                assert_eq!(
                    (location.as_str(), name.as_str()),
                    ("header", "X-Trace"),
                    "{bad:?}"
                );
            }
            Ok(req) => panic!("{bad:?} was sent as {:?}", req.headers),
        }
    }
    // inside an array too
    let err = send(&api, vec![None, Some(json!(["ok", "x\r\ny"])), None]).err();
    assert_eq!(err.map(|e| e.name), Some("X-List".to_owned()));
}

#[test]
fn invalid_header_names_are_unsendable_and_reserved_names_ignored() {
    let api = with_params(
        "/h",
        &[
            "{name: 'Bad Name', in: header, schema: {type: string}}",
            "{name: Accept, in: header, schema: {type: string}}",
            "{name: Content-Type, in: header, schema: {type: string}}",
            "{name: Authorization, in: header, schema: {type: string}}",
        ],
    );
    let err = send(&api, vec![Some(json!("x")), None, None, None]).err();
    assert_eq!(
        err.map(|e| (e.location, e.name)),
        Some(("header".to_owned(), "Bad Name".to_owned()))
    );
    let req = send_ok(
        &api,
        vec![None, Some(json!("a")), Some(json!("b")), Some(json!("c"))],
    );
    assert!(req.headers.is_empty(), "{:?}", req.headers);
}

#[test]
fn cookies_are_one_header_with_cookie_octets() {
    let api = with_params(
        "/c",
        &[
            "{name: session, in: cookie, schema: {type: string}}",
            "{name: n, in: cookie, schema: {type: integer}}",
            "{name: ids, in: cookie, explode: false, schema: {type: array}}",
            "{name: X-After, in: header, schema: {type: string}}",
        ],
    );
    let raw = "a b;c,d\"e\\f%é=\u{1}";
    let req = send_ok(
        &api,
        vec![
            Some(json!(raw)),
            Some(json!(5)),
            Some(json!(["x", "y,z"])),
            Some(json!("h")),
        ],
    );
    assert_eq!(
        req.headers,
        vec![
            ("X-After".to_owned(), "h".to_owned()),
            (
                "cookie".to_owned(),
                "session=a%20b%3Bc%2Cd%22e%5Cf%25%C3%A9=%01; n=5; ids=x,y%2Cz".to_owned()
            ),
        ]
    );
    let value = req.headers[1]
        .1
        .split("; ")
        .next()
        .and_then(|c| c.strip_prefix("session="))
        .unwrap_or_default();
    assert_eq!(decode(value), raw.as_bytes());
}

#[test]
fn exploded_cookie_arrays_repeat_the_pair() {
    let api = with_params("/c", &["{name: tag, in: cookie, schema: {type: array}}"]);
    let req = send_ok(&api, vec![Some(json!(["a", "b c"]))]);
    assert_eq!(
        req.headers,
        vec![("cookie".to_owned(), "tag=a; tag=b%20c".to_owned())]
    );
}

#[test]
fn json_body_is_serde_json_bytes_with_the_declared_type() {
    let api = with_body(
        "          application/vnd.api+json; charset=utf-8:
            schema: {type: object}",
        "",
    );
    let value = json!({"name": "é\"<\n", "n": [1, 2.5, null, true]});
    let body = send_body(&api, 0, value.clone());
    assert_eq!(body.content_type, "application/vnd.api+json; charset=utf-8");
    assert_eq!(body.bytes, serde_json::to_vec(&value).unwrap_or_default());
    assert_eq!(
        String::from_utf8_lossy(&body.bytes),
        r#"{"name":"é\"<\n","n":[1,2.5,null,true]}"#
    );
}

#[test]
fn urlencoded_body_follows_encoding_styles() {
    let api = with_body(
        "          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string}
                tags: {type: array, items: {type: string}}
                ids: {type: array, items: {type: integer}}
                csv: {type: array, items: {type: string}}
                meta: {type: object}
                deep: {type: object}
            encoding:
              ids: {style: pipeDelimited}
              csv: {explode: false}
              deep: {style: deepObject, explode: true}",
        "",
    );
    let value = json!({
        "name": "a b&c=d+é",
        "tags": ["x", "y z"],
        "ids": [1, 2],
        "csv": ["p", "q,r"],
        "meta": {"k": "v"},
        "deep": {"k": "v w"},
        "none": null
    });
    let body = send_body(&api, 0, value);
    assert_eq!(body.content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        String::from_utf8_lossy(&body.bytes),
        "name=a%20b%26c%3Dd%2B%C3%A9&tags=x&tags=y%20z&ids=1|2&csv=p,q%2Cr\
         &meta=%7B%22k%22%3A%22v%22%7D&deep[k]=v%20w&none="
    );
    // a non-object value goes as its text, untouched
    let raw = send_body(&api, 0, json!("a=1&b=<x>"));
    assert_eq!(raw.bytes, b"a=1&b=<x>");
}

#[test]
fn multipart_body_carries_file_bytes_exactly() {
    let api = with_body(
        "          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                photos: {type: array, items: {type: string, format: binary}}
                avatar: {type: string}
                meta: {type: object}
                note: {type: string}
            encoding:
              avatar: {contentType: 'image/png, image/jpeg'}",
        "",
    );
    let file = "\u{0}\u{1}\r\n--not-a-boundary\r\n\u{ff}é'\"";
    let value = json!({
        "file": file,
        "photos": ["p1", "p2"],
        "avatar": "PNG",
        "meta": {"a": [1]},
        "note": "hello",
    });
    let body = send_body(&api, 0, value);
    let boundary = body
        .content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{}", body.content_type))
        .to_owned();
    assert!(!boundary.is_empty() && boundary.len() <= 70);
    // the boundary occurs only as the 6 part delimiters and the closing one
    let delimiter = format!("--{boundary}");
    assert_eq!(count(&body.bytes, delimiter.as_bytes()), 7);
    assert_eq!(count(&body.bytes, boundary.as_bytes()), 7);
    assert!(
        body.bytes
            .starts_with(format!("{delimiter}\r\n").as_bytes())
    );
    assert!(
        body.bytes
            .ends_with(format!("\r\n{delimiter}--\r\n").as_bytes())
    );

    let file_part = format!(
        "Content-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{file}\r\n{delimiter}"
    );
    assert!(find(&body.bytes, file_part.as_bytes()), "file part");
    for photo in ["p1", "p2"] {
        let part = format!(
            "name=\"photos\"; filename=\"photos\"\r\nContent-Type: application/octet-stream\r\n\r\n{photo}\r\n"
        );
        assert!(find(&body.bytes, part.as_bytes()), "{photo}");
    }
    let avatar = "name=\"avatar\"; filename=\"avatar\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n";
    assert!(find(&body.bytes, avatar.as_bytes()), "avatar");
    let meta = "name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":[1]}\r\n";
    assert!(find(&body.bytes, meta.as_bytes()), "meta");
    let note = format!("name=\"note\"\r\n\r\nhello\r\n{delimiter}");
    assert!(find(&body.bytes, note.as_bytes()), "note");

    // the same content gives the same bytes (no randomness)
    let again = send_body(
        &api,
        0,
        json!({"file": file, "photos": ["p1", "p2"], "avatar": "PNG", "meta": {"a": [1]}, "note": "hello"}),
    );
    assert_eq!(again, body);
}

#[test]
fn xml_body_escapes_text_and_names_the_root_after_the_schema() {
    let api = with_body(
        "          application/xml:
            schema: {$ref: '#/components/schemas/Pet'}",
        "    Pet:
      type: object
      properties:
        name: {type: string}
        tags: {type: array, items: {type: string}}
        owner: {type: object, properties: {id: {type: integer}}}",
    );
    let value = json!({
        "name": "<b>&'\"",
        "tags": ["a", "b"],
        "owner": {"id": 1},
        "none": null,
        "bad key": true
    });
    let body = send_body(&api, 0, value);
    assert_eq!(body.content_type, "application/xml");
    assert_eq!(
        String::from_utf8_lossy(&body.bytes),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Pet><name>&lt;b&gt;&amp;&apos;&quot;</name>\
         <tags>a</tags><tags>b</tags><owner><id>1</id></owner><none/><bad_key>true</bad_key></Pet>"
    );
    // a string goes raw, so payloads such as XXE reach the parser intact
    let xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    assert_eq!(send_body(&api, 0, json!(xxe)).bytes, xxe.as_bytes());
}

#[test]
fn text_binary_and_unknown_bodies() {
    let api = with_body(
        "          text/plain; charset=utf-8: {schema: {type: string}}
          application/octet-stream: {schema: {type: string, format: binary}}
          application/x-thing: {}
          '*/*': {}
          text/*: {}",
        "",
    );
    let text = send_body(&api, 0, json!("line 1\nµ"));
    assert_eq!(
        (text.content_type.as_str(), text.bytes.as_slice()),
        ("text/plain; charset=utf-8", "line 1\nµ".as_bytes())
    );
    assert_eq!(send_body(&api, 0, json!({"a": 1})).bytes, br#"{"a":1}"#);

    let bin = send_body(&api, 1, json!("\u{0}\u{ff}raw"));
    assert_eq!(bin.content_type, "application/octet-stream");
    assert_eq!(bin.bytes, "\u{0}\u{ff}raw".as_bytes());

    assert_eq!(send_body(&api, 2, json!(5)).bytes, b"5");
    assert_eq!(send_body(&api, 2, json!("s")).bytes, b"s");
    assert_eq!(send_body(&api, 2, json!([1, "x"])).bytes, br#"[1,"x"]"#);

    let any = send_body(&api, 3, json!({"k": "v"}));
    assert_eq!(
        (any.content_type.as_str(), any.bytes.as_slice()),
        ("application/json", br#"{"k":"v"}"#.as_slice())
    );
    assert_eq!(send_body(&api, 4, json!("t")).content_type, "text/plain");
}

#[test]
fn body_index_outside_the_content_is_unsendable() {
    let api = with_body("          application/json: {}", "");
    let values = Values {
        parameters: Vec::new(),
        body: Some((3, json!({}))),
    };
    let err = serialise(&api, the_op(&api), &values).err();
    assert_eq!(err.map(|e| e.location), Some("body".to_owned()));
}

#[test]
fn curl_for_a_json_post_is_exact() {
    let api = load(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    post:
      operationId: op
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: dry, in: query, schema: {type: boolean}}
        - {name: X-Req, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses:
        '200': {description: ok}
",
    );
    let values = Values {
        parameters: vec![Some(json!("a b")), Some(json!(true)), Some(json!("it's"))],
        body: Some((0, json!({"name": "O'Brien"}))),
    };
    let req = serialise(&api, the_op(&api), &values).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        curl("http://127.0.0.1:8080/v1/", &req),
        "curl -X POST 'http://127.0.0.1:8080/v1/pets/a%20b?dry=true' -H 'X-Req: it'\\''s' \
         -H 'content-type: application/json' --data-binary '{\"name\":\"O'\\''Brien\"}'"
    );
}

fn request(method: Method, query: &str, body: Option<Vec<u8>>) -> Request {
    Request {
        method,
        path: "/x".into(),
        query: query.into(),
        headers: Vec::new(),
        body: body.map(|bytes| RequestBody {
            content_type: "application/octet-stream".into(),
            bytes,
        }),
    }
}

#[test]
fn curl_for_a_binary_body_uses_ansi_c_quoting() {
    let req = request(
        Method::Put,
        "",
        Some(vec![0x01, b'a', b'\n', 0xFF, b'\'', b'\\']),
    );
    let cmd = curl("http://h", &req);
    assert_eq!(
        cmd,
        "curl -X PUT 'http://h/x' -H 'content-type: application/octet-stream' \
         --data-binary $'\\x01a\\x0a\\xff\\'\\\\'"
    );
    assert!(!cmd.contains('\n'));
}

#[test]
fn curl_get_omits_the_method_and_globs_off_brackets() {
    let req = request(Method::Get, "color[R]=100", None);
    assert_eq!(
        curl("http://h/base", &req),
        "curl --globoff 'http://h/base/x?color[R]=100'"
    );
    let head = request(Method::Head, "", None);
    assert_eq!(curl("http://h", &head), "curl --head 'http://h/x'");
    let get_with_body = request(Method::Get, "", Some(b"@etc".to_vec()));
    assert_eq!(
        curl("http://h", &get_with_body),
        "curl -X GET 'http://h/x' -H 'content-type: application/octet-stream' --data-raw '@etc'"
    );
}

/// Runs `script` with `shell`, or returns `None` when the shell is missing.
fn run(shell: &str, script: &str) -> Option<Vec<u8>> {
    let out = std::process::Command::new(shell)
        .arg("-c")
        .arg(script)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn curl_commands_carry_the_exact_body_bytes_through_a_shell() {
    // A stand-in curl prints its last argument, or its stdin for `@-`.
    let fake = r#"curl() { for a; do last=$a; done; if [ "$last" = "@-" ]; then cat; else printf '%s' "$last"; fi; }; "#;
    let mut bodies: Vec<Vec<u8>> = vec![
        b"plain 'quoted' \\ $HOME `x` \t".to_vec(),
        vec![0x01, b'\n', 0xC3, 0xA9, 0xFF, b'\'', b'\\', b'%', b'x'],
    ];
    let mut all: Vec<u8> = (0..=255).collect();
    all.extend_from_slice(b"%s%%\\n'");
    bodies.push(all);
    for bytes in bodies {
        let req = request(Method::Post, "", Some(bytes.clone()));
        let cmd = curl("http://h", &req);
        assert!(!cmd.contains('\n'), "{cmd}");
        let shell = if bytes.contains(&0) { "sh" } else { "bash" };
        if let Some(out) = run(shell, &format!("{fake}{cmd}")) {
            assert_eq!(out, bytes, "{cmd}");
        }
    }
}
