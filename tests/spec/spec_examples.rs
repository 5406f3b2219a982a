//! The example specs in specs/ (2.0, 3.0, 3.1) become the model they describe.

use crate::common;

use apiprobe::model::{
    AdditionalProperties, ApiKeyLocation, ParameterLocation, ParameterStyle, SecurityRequirement,
    SecurityScheme, SpecVersion, StatusCode, TypeSet, Types, WarningKind,
};
use common::{load, op, param_schema, prop, response_schema};
use serde_json::json;

#[test]
fn openapi30_petstore_operations_parameters_and_security() {
    let api = load("specs/petstore.yaml");
    assert_eq!(api.title, "Petstore");
    assert_eq!(api.spec_version, SpecVersion::OpenApi30("3.0.3".into()));
    assert_eq!(api.servers[0].url, "http://localhost:8080/v1");
    assert_eq!(api.operations.len(), 8);
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);

    let list = op(&api, "listPets");
    assert!(list.is_public(), "security: [] overrides the global bearer");
    let limit = param_schema(&api, list, "limit");
    assert_eq!(limit.types, TypeSet::one(Types::Integer));
    assert_eq!(
        (limit.minimum.clone(), limit.maximum.clone()),
        (Some(1.into()), Some(100.into()))
    );
    assert_eq!(limit.default, Some(json!(20)));
    let tags = list.parameters.iter().find(|p| p.name == "tags").unwrap();
    assert_eq!((tags.style, tags.explode), (ParameterStyle::Form, false));
    let status = param_schema(&api, list, "status");
    assert_eq!(
        status.enumeration,
        Some(vec![json!("available"), json!("pending"), json!("sold")])
    );
    let ok = list.response_for(200).unwrap();
    assert!(ok.headers.iter().any(|h| h.name == "X-Rate-Limit"));

    // path-level petId shared by GET, PUT and DELETE
    for id in ["showPetById", "updatePet", "deletePet"] {
        let o = op(&api, id);
        let pet_id = o.parameters.iter().find(|p| p.name == "petId").unwrap();
        assert_eq!(pet_id.location, ParameterLocation::Path);
        assert!(pet_id.required);
        assert_eq!(
            param_schema(&api, o, "petId").format.as_deref(),
            Some("int64")
        );
    }
    let delete = op(&api, "deletePet");
    let expected: SecurityRequirement = [("oauth".to_string(), vec!["write:pets".to_string()])]
        .into_iter()
        .collect();
    assert_eq!(delete.security, vec![expected]);
    assert!(delete.parameters.iter().any(|p| p.name == "X-Request-Id"
        && p.location == ParameterLocation::Header
        && p.required));
    assert_eq!(
        op(&api, "listCategories").security.len(),
        2,
        "two alternatives"
    );
    assert!(!op(&api, "createPet").is_public(), "global bearer applies");

    let update = op(&api, "updatePet");
    assert!(update.deprecated);
    let types: Vec<&str> = update
        .body
        .as_ref()
        .unwrap()
        .content
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    assert_eq!(
        types,
        ["application/json", "application/x-www-form-urlencoded"]
    );
    assert!(
        update
            .responses
            .iter()
            .any(|r| r.status == StatusCode::Range(2))
    );
    assert!(
        update
            .response_for(204)
            .is_some_and(|r| r.status == StatusCode::Range(2))
    );

    // no operationId: a stable synthesised id
    assert!(api.operation("GET /pets/{petId}/photo").is_some());

    assert!(
        matches!(api.security_schemes["bearerAuth"], SecurityScheme::Http { ref scheme, ref bearer_format } if scheme == "bearer" && bearer_format.as_deref() == Some("JWT"))
    );
    assert!(
        matches!(api.security_schemes["apiKey"], SecurityScheme::ApiKey { ref name, location: ApiKeyLocation::Header } if name == "X-API-Key")
    );
}

#[test]
fn openapi30_petstore_schemas() {
    let api = load("specs/petstore.yaml");
    // Pet = allOf [NewPet, {id readOnly, required [id]}], merged into one schema
    let pet = response_schema(op(&api, "createPet"), 201);
    let s = api.schemas.get(pet);
    assert!(s.all_of.is_empty(), "allOf was merged");
    assert_eq!(s.name.as_deref(), Some("Pet"));
    assert!(s.properties.contains_key("name") && s.properties.contains_key("id"));
    assert!(s.is_required("name") && s.is_required("id"));
    assert!(api.schemas.get(prop(&api, pet, "id")).read_only);
    assert!(api.schemas.get(prop(&api, pet, "secret")).write_only);
    assert!(api.schemas.get(prop(&api, pet, "tag")).nullable);
    let weight = api.schemas.get(prop(&api, pet, "weight"));
    assert!(weight.exclusive_minimum && weight.minimum == Some(0.into()));
    let name = api.schemas.get(prop(&api, pet, "name"));
    assert_eq!((name.min_length, name.max_length), (Some(1), Some(64)));
    assert_eq!(name.pattern.as_deref(), Some("^[A-Za-z ]+$"));

    // Category is recursive: parent points back at Category itself
    let list = op(&api, "listCategories");
    let array = api.schemas.get(response_schema(list, 200));
    let category = array.items.unwrap();
    assert_eq!(prop(&api, category, "parent"), category);
    let children = api.schemas.get(prop(&api, category, "children"));
    assert_eq!(children.items, Some(category));

    // oneOf with discriminator mapping
    let animal = api
        .schemas
        .get(response_schema(op(&api, "createAnimal"), 201));
    assert_eq!(animal.one_of.len(), 2);
    let d = animal.discriminator.as_ref().unwrap();
    assert_eq!(d.property_name, "petType");
    assert_eq!(
        api.schemas.get(d.mapping["cat"]).name.as_deref(),
        Some("Cat")
    );
    assert_eq!(
        api.schemas.get(d.mapping["dog"]).name.as_deref(),
        Some("Dog")
    );
}

#[test]
fn json_schema_form_validates_with_a_standard_validator() {
    let api = load("specs/petstore.yaml");
    let category = api
        .schemas
        .get(response_schema(op(&api, "listCategories"), 200))
        .items
        .unwrap();
    let schema = api.schemas.to_json_schema(category);
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let good = json!({"id": 1, "name": "a", "parent": {"id": 2, "name": "b"}, "children": [{"id": 3, "name": "c"}]});
    assert!(
        validator.is_valid(&good),
        "{:?}",
        validator
            .iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let bad = json!({"id": 1, "name": "a", "children": [{"id": "three"}]});
    assert!(!validator.is_valid(&bad), "a nested wrong type must fail");

    let pet = response_schema(op(&api, "createPet"), 201);
    let validator = jsonschema::validator_for(&api.schemas.to_json_schema(pet)).unwrap();
    assert!(validator.is_valid(&json!({"id": 5, "name": "Rex", "tag": null})));
    assert!(
        !validator.is_valid(&json!({"name": "Rex"})),
        "id is required after the merge"
    );
    assert!(
        !validator.is_valid(&json!({"id": 5, "name": "Rex9"})),
        "pattern applies"
    );
}

#[test]
fn swagger2_petstore_is_converted() {
    let api = load("specs/petstore-swagger2.yaml");
    assert_eq!(api.spec_version, SpecVersion::Swagger2);
    let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        ["http://localhost:8080/v2", "https://localhost:8080/v2"]
    );
    assert_eq!(api.operations.len(), 7);

    let add = op(&api, "addPet");
    let body = add.body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.content[0].media_type, "application/json");
    let new_pet = body.content[0].schema.unwrap();
    assert_eq!(api.schemas.get(new_pet).name.as_deref(), Some("NewPet"));
    assert!(
        api.schemas.get(prop(&api, new_pet, "tag")).nullable,
        "x-nullable"
    );

    let form = op(&api, "updatePetWithForm").body.as_ref().unwrap();
    assert_eq!(
        form.content[0].media_type,
        "application/x-www-form-urlencoded"
    );
    let fields = api.schemas.get(form.content[0].schema.unwrap());
    assert!(fields.properties.contains_key("name") && fields.properties.contains_key("status"));

    let upload = op(&api, "uploadFile").body.as_ref().unwrap();
    assert_eq!(upload.content[0].media_type, "multipart/form-data");
    let file = prop(&api, upload.content[0].schema.unwrap(), "file");
    assert_eq!(api.schemas.get(file).format.as_deref(), Some("binary"));
    assert!(
        api.schemas
            .get(upload.content[0].schema.unwrap())
            .is_required("file")
    );

    let list = op(&api, "listPets");
    let style = |name: &str| {
        let p = list.parameters.iter().find(|p| p.name == name).unwrap();
        (p.style, p.explode)
    };
    assert_eq!(style("tags"), (ParameterStyle::Form, false));
    assert_eq!(style("status"), (ParameterStyle::Form, true));
    assert_eq!(style("fields"), (ParameterStyle::PipeDelimited, false));
    assert!(
        list.parameters.iter().any(|p| p.name == "limit"),
        "global parameter by $ref"
    );
    assert!(list.is_public());

    let get = op(&api, "getPetById");
    assert!(
        get.response_for(404)
            .is_some_and(|r| r.status == StatusCode::Exact(404) && !r.description.is_empty())
    );
    let xml = op(&api, "exportPetXml");
    assert_eq!(
        xml.response_for(200).unwrap().content[0].media_type,
        "application/xml"
    );

    assert_eq!(
        api.security_schemes["basic"],
        SecurityScheme::Http {
            scheme: "basic".into(),
            bearer_format: None
        }
    );
    assert!(matches!(
        api.security_schemes["apiKey"],
        SecurityScheme::ApiKey {
            location: ApiKeyLocation::Query,
            ..
        }
    ));
    let flows = |name: &str| match &api.security_schemes[name] {
        SecurityScheme::OAuth2 { flows } => {
            flows.iter().map(|f| f.kind.clone()).collect::<Vec<_>>()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(flows("oauthImplicit"), ["implicit"]);
    assert_eq!(flows("oauthPassword"), ["password"]);
    assert_eq!(
        op(&api, "deletePet").security[0].keys().collect::<Vec<_>>(),
        ["basic"]
    );
}

#[test]
fn openapi31_petstore_keywords() {
    let api = load("specs/petstore-31.yaml");
    assert_eq!(api.spec_version, SpecVersion::OpenApi31("3.1.0".into()));
    assert_eq!(api.operations.len(), 6, "webhooks are not operations");
    assert!(
        api.warnings
            .iter()
            .any(|w| w.kind == WarningKind::Webhook && w.location == "#/webhooks/newPet")
    );
    assert!(
        api.warnings
            .iter()
            .any(|w| w.kind == WarningKind::IgnoredKeyword
                && w.message.contains("dependentRequired"))
    );
    assert_eq!(api.security_schemes["mtls"], SecurityScheme::MutualTls);
    // the path item comes from components.pathItems by $ref
    for id in ["getPet", "patchPet", "deletePet"] {
        assert_eq!(op(&api, id).path, "/pets/{petId}");
    }

    let new_pet = op(&api, "createPet").body.as_ref().unwrap().content[0]
        .schema
        .unwrap();
    let tag = api.schemas.get(prop(&api, new_pet, "tag"));
    assert_eq!(tag.types, TypeSet::one(Types::String));
    assert!(tag.nullable, "type: [string, null]");
    assert_eq!(tag.examples, vec![json!("dog"), json!(null)]);
    assert_eq!(
        api.schemas.get(prop(&api, new_pet, "kind")).constant,
        Some(json!("pet"))
    );
    let score = api.schemas.get(prop(&api, new_pet, "score"));
    assert!(score.exclusive_minimum && score.exclusive_maximum);
    assert_eq!(
        (score.minimum.clone(), score.maximum.clone()),
        (Some(0.into()), Some(100.into()))
    );
    // $ref with a description sibling is the referenced schema itself...
    let name = prop(&api, new_pet, "name");
    assert_eq!(api.schemas.get(name).name.as_deref(), Some("Name"));
    // ...and with a constraining sibling, both apply (merged: the tighter maxLength)
    let nickname = api.schemas.get(prop(&api, new_pet, "nickname"));
    assert_eq!(nickname.max_length, Some(16));
    assert!(nickname.all_of.is_empty());

    let location = api
        .schemas
        .get(response_schema(op(&api, "getLocation"), 200));
    assert_eq!(location.prefix_items.len(), 3);
    let rest = api.schemas.get(location.items.unwrap());
    assert!(
        rest.not.is_some(),
        "items: false allows nothing after the tuple"
    );
    assert_eq!(location.additional_properties, AdditionalProperties::Any);
}
