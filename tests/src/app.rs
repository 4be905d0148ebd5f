//! Launching the real desktop app under Xvfb and driving it with tauri-driver (see issue 2/5).
