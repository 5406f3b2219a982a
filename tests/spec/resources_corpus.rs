//! Producer/consumer inference over the real-world corpus: how many
//! operations with path parameters get a producer for every one of them.

use crate::common;

use apiprobe::model::ParameterLocation;
use apiprobe::probes::{IdSource, Resources};

#[test]
fn most_operations_with_path_parameters_get_producers() {
    let mut with_params = 0usize;
    let mut fillable = 0usize;
    let mut some = 0usize;
    let mut bindings = 0usize;
    for folder in common::corpus::FOLDERS {
        for (path, _) in common::corpus::specs(folder) {
            let Ok(api) = apiprobe::spec::load_path(&path) else {
                continue;
            };
            let resources = Resources::infer(&api);
            bindings += resources.bindings.len();
            for b in &resources.bindings {
                // every binding names real operations and a real path parameter
                let consumer = &api.operations[b.consumer];
                assert!(b.producer < api.operations.len());
                assert!(
                    consumer
                        .parameters_in(ParameterLocation::Path)
                        .any(|p| p.name == b.parameter),
                    "{}: {} has no path parameter {}",
                    path.display(),
                    consumer.id,
                    b.parameter
                );
                if let IdSource::Body(pointer) = &b.source {
                    assert!(pointer.is_empty() || pointer.starts_with('/'));
                }
            }
            for (i, op) in api.operations.iter().enumerate() {
                let params: Vec<_> = op.parameters_in(ParameterLocation::Path).collect();
                if params.is_empty() {
                    continue;
                }
                with_params += 1;
                if resources.is_fillable(&api, i) {
                    fillable += 1;
                }
                if params
                    .iter()
                    .any(|p| resources.producers_of(i, &p.name).next().is_some())
                {
                    some += 1;
                }
            }
        }
    }
    eprintln!(
        "corpus: {with_params} operations with path parameters; {fillable} ({:.1}%) have a producer for every one, {some} ({:.1}%) for at least one; {bindings} bindings",
        100.0 * fillable as f64 / with_params.max(1) as f64,
        100.0 * some as f64 / with_params.max(1) as f64
    );
    assert!(with_params > 5_000, "the corpus is missing ({with_params})");
    assert!(
        fillable * 100 >= with_params * 45,
        "only {fillable} of {with_params} operations are fillable"
    );
}
