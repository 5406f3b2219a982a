//! The `apiprobe` command.

mod cli;

/// mimalloc: with glibc's malloc, allocation was about a fifth of a scan's
/// instructions (callgrind, docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
