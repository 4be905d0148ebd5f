//! The `tadhkira-app` binary: opens the desktop window (all logic lives in the library).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tadhkira_app::run();
}
