//! `tadhkira-bench-bare`: a bare Tauri 2 window — one window of the app's size showing
//! one line of static HTML, no commands, no plugins, no state — built from the same
//! tauri as the desktop app. The bench (figure 7) launches it under the same Xvfb and
//! WebKit settings as the app and sums its memory over its process tree the same way:
//! what Tauri and WebKit cost before the app adds anything, so the app's idle memory
//! can be read as a ratio to it.
//!
//! It prints `bare window loaded` on stderr once the page has finished loading (the
//! moment the bench starts its idle wait from).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::webview::PageLoadEvent;

fn main() {
    let result = tauri::Builder::default()
        .on_page_load(|_webview, payload| {
            if payload.event() == PageLoadEvent::Finished {
                eprintln!("bare window loaded");
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("the bare window failed: {e}");
        std::process::exit(1);
    }
}
