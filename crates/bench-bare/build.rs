//! Build script: lets tauri-build read tauri.conf.json.
fn main() {
    tauri_build::build()
}
