//! `apiprobe fuzz-dict` and `apiprobe fuzz-seeds`: files for cargo fuzz
//! sessions, made from a spec.

use apiprobe::fuzz::{FuzzOptions, FuzzTarget, dictionary, seeds as seed_inputs};
use apiprobe::model::Api;
use apiprobe::spec::{Loader, Source};

use super::args::{FuzzDictArgs, FuzzSeedsArgs};
use super::exit;

async fn load(spec: &str) -> Option<Api> {
    match Loader::new().load(&Source::parse(spec)).await {
        Ok(api) => Some(api),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Writes the spec's libFuzzer dictionary to the file or standard output.
pub async fn dict(args: FuzzDictArgs) -> u8 {
    let Some(api) = load(&args.spec).await else {
        return exit::USAGE;
    };
    let text = dictionary(&api);
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return exit::USAGE;
            }
            let words = text.lines().count().saturating_sub(1);
            eprintln!("apiprobe: {words} words written to {}", path.display());
        }
    }
    exit::OK
}

/// Writes one positive input per operation into the corpus folder.
pub async fn seeds(args: FuzzSeedsArgs) -> u8 {
    let Some(api) = load(&args.spec).await else {
        return exit::USAGE;
    };
    // the target owns a runtime of its own: build it off the CLI's runtime threads
    let target =
        match tokio::task::spawn_blocking(move || FuzzTarget::new(api, FuzzOptions::default()))
            .await
        {
            Ok(Ok(target)) => target,
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
    let seeds = seed_inputs(&target, usize::from(args.choices), args.seed);
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        eprintln!("error: cannot create {}: {e}", args.output.display());
        return exit::USAGE;
    }
    for seed in &seeds {
        let path = args.output.join(&seed.name);
        if let Err(e) = std::fs::write(&path, &seed.bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
    }
    eprintln!(
        "apiprobe: {} seed inputs (one per operation) written to {}",
        seeds.len(),
        args.output.display()
    );
    // a runtime must not be dropped inside another: hand it to a blocking thread
    let _ = tokio::task::spawn_blocking(move || drop(target)).await;
    exit::OK
}
