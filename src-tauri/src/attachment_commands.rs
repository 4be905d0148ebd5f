//! The commands of attachments (issue 18): staging files in a composer (picked,
//! dropped, pasted, or a screenshot the OS captures), and looking at a ticket's files
//! (a preview, open with the system's application, save to Downloads). Thin calls
//! into the engine (`crates/client/src/staging.rs`, `viewing.rs`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tadhkira_client::{EngineErrorCode, StagedFile};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, State, WebviewWindow};
use uuid::Uuid;

use crate::error::IpcError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, IpcError>;

/// The header naming a staged file (URI-encoded, so any name survives the header).
const NAME_HEADER: &str = "x-file-name";

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(EngineErrorCode::Invalid, message)
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Stages a file added to a composer: the request's body is its bytes, the
/// `x-file-name` header its name (URI-encoded). It is copied into the account's folder
/// before this answers.
#[tauri::command]
pub async fn stage_file(state: State<'_, AppState>, request: Request<'_>) -> Result<StagedFile> {
    let name = request
        .headers()
        .get(NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .ok_or_else(|| invalid("the file's name is missing"))?;
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        // Where the IPC carries JSON only, the bytes come as an array of numbers.
        InvokeBody::Json(v) => serde_json::from_value::<Vec<u8>>(v.clone())
            .map_err(|_| invalid("the file's bytes are missing"))?,
    };
    Ok(state.engine.stage_bytes(&name, bytes).await?)
}

/// Removes a staged file from its composer (and its copy).
#[tauri::command]
pub async fn unstage_file(state: State<'_, AppState>, id: Uuid) -> Result<()> {
    Ok(state.engine.unstage(id).await?)
}

/// A preview of an image file of a ticket as a `data:image/png` URL, at most
/// `max_side` pixels; none for other files.
#[tauri::command(rename_all = "snake_case")]
pub async fn attachment_preview(
    state: State<'_, AppState>,
    ticket: String,
    sha256: String,
    max_side: u32,
) -> Result<Option<String>> {
    Ok(state
        .engine
        .attachment_preview(&ticket, &sha256, max_side)
        .await?)
}

/// Opens a file of a ticket with the system's application (the UI asks first, naming
/// the file). The copy opened ends in the extension of the type its bytes are.
#[tauri::command]
pub async fn open_attachment(
    state: State<'_, AppState>,
    ticket: String,
    sha256: String,
) -> Result<()> {
    let path = state.engine.attachment_to_open(&ticket, &sha256).await?;
    system_open(&path)
}

/// Saves a copy of a file of a ticket in the Downloads folder (a numbered name when
/// its name is taken); answers the path.
#[tauri::command]
pub async fn save_attachment(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket: String,
    sha256: String,
) -> Result<String> {
    let folder = downloads(&app)?;
    let saved = state
        .engine
        .save_attachment_to(&ticket, &sha256, &folder)
        .await?;
    Ok(saved.display().to_string())
}

fn downloads(app: &AppHandle) -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("TADHKIRA_DOWNLOAD_DIR") {
        if !dir.trim().is_empty() {
            return Ok(PathBuf::from(dir));
        }
    }
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|e| {
            IpcError::new(
                EngineErrorCode::Storage,
                format!("no Downloads folder: {e}"),
            )
        })
}

fn system_open(path: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    let mut cmd = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("explorer");
        c.arg("/select,");
        c
    };
    cmd.arg(path).spawn().map_err(|e| {
        IpcError::new(
            EngineErrorCode::Storage,
            format!("could not open {}: {e}", path.display()),
        )
    })?;
    Ok(())
}

/// The OS's own screen capture, if this system has one: on Linux under X11,
/// ImageMagick's `import` or `gnome-screenshot`; under Wayland, `gnome-screenshot`;
/// `screencapture` on macOS. None on Windows yet (the button is not shown).
fn capture_tool() -> Option<(PathBuf, Vec<&'static str>)> {
    fn on_path(name: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    }
    if cfg!(target_os = "macos") {
        return Some((PathBuf::from("/usr/sbin/screencapture"), vec!["-x"]));
    }
    if cfg!(target_os = "linux") {
        let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some();
        let x11 = std::env::var_os("DISPLAY").is_some();
        if let Some(g) = on_path("gnome-screenshot") {
            return Some((g, vec!["-f"]));
        }
        if x11 && !wayland {
            if let Some(i) = on_path("import") {
                return Some((i, vec!["-silent", "-window", "root"]));
            }
        }
    }
    None
}

/// Whether "attach a screenshot" can work here (the composer shows the button only then).
#[tauri::command]
pub fn screenshot_supported() -> bool {
    capture_tool().is_some()
}

/// Hides the window, captures the screen with the OS's own tool, shows the window
/// again and stages the picture; the UI shows it for confirmation (removing it if the
/// user declines).
#[tauri::command]
pub async fn capture_screenshot(
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> Result<StagedFile> {
    let (tool, args) = capture_tool().ok_or_else(|| invalid("no screen capture on this system"))?;
    let dir = tempfile_dir()?;
    let name = chrono::Local::now()
        .format("screenshot-%Y-%m-%d-%H%M%S.png")
        .to_string();
    let target = dir.join(&name);
    let _ = window.hide();
    // Let the window manager take the window off the screen first.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let ran = tokio::process::Command::new(&tool)
        .args(&args)
        .arg(&target)
        .status()
        .await;
    let _ = window.show();
    let _ = window.set_focus();
    let result = match ran {
        Ok(status) if status.success() && target.is_file() => state
            .engine
            .stage_path(&target)
            .await
            .map_err(IpcError::from),
        Ok(status) => Err(IpcError::new(
            EngineErrorCode::Storage,
            format!("{} ended with {status}", tool.display()),
        )),
        Err(e) => Err(IpcError::new(
            EngineErrorCode::Storage,
            format!("could not run {}: {e}", tool.display()),
        )),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("tadhkira-capture-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| IpcError::new(EngineErrorCode::Storage, e.to_string()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn names_arrive_whole_through_the_header() {
        assert_eq!(percent_decode("app.log"), "app.log");
        assert_eq!(percent_decode("a%20b.png"), "a b.png");
        assert_eq!(
            percent_decode("%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.log"),
            "تقرير.log"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
