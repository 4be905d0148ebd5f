//! Installable Linux packages of a build of the workspace (`target/debug` or
//! `target/release`), written to `<build>/packages/`:
//!
//! - [`desktop_deb`] and [`desktop_rpm`]: the desktop app, laid out as Tauri's bundler
//!   lays it out and configured from `src-tauri/tauri.conf.json` (product name,
//!   version, descriptions, icons, the desktop entry template
//!   `deploy/linux/tadhkira.desktop`): `/usr/bin/tadhkira-app`, the menu entry
//!   (English and Arabic) and the icon in every size of `icons/` in the hicolor theme;
//! - [`server_deb`]: `tadhkira-server` with a systemd unit, a `tadhkira` system user
//!   made on install, data in `/var/lib/tadhkira`, settings in `/etc/tadhkira` (the
//!   files in `deploy/debian/`).
//!
//! They are packed by Debian's own tools, `dpkg-deb` and `rpmbuild` (package `rpm`),
//! with nothing downloaded. Tauri's bundler (the `tauri-bundler` crate) does the same
//! for `.deb` and `.rpm` and was tried as a library first, but it brings about 180
//! crates into the workspace (an AV1 encoder through `image`, OpenPGP through `rpm`,
//! zstd and xz in C) and turns on features of shared ones (`log`, `uuid`…), which
//! recompiles the whole Tauri and server tree: minutes more for every cold CI run and a
//! full rebuild of every warm `target/`. The Windows and macOS installers, which only
//! Tauri can make, are built with Tauri's CLI from the same tauri.conf.json
//! (`.github/workflows/release.yml`).
//!
//! The app's binary in a package is the build's, marked in place with the kind of
//! package and the version it is packaged as ([`stamp`]: what the updater needs), and
//! a package can be signed for the updater ([`sign`]).
//!
//! Removing a package removes the program and leaves the users' data: the app's data
//! lives in each user's home, the server's in `/var/lib/tadhkira`, kept even on purge.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

mod sign;
mod stamp;

pub use sign::{dev_key_files, generate_key, sign, verify};
pub use stamp::{is_semver, stamp, PackageKind, VERSION_SLOT_BYTES, VERSION_SLOT_PREFIX};

/// The desktop app's binary (what the menu entry starts).
pub const APP_BIN: &str = "tadhkira-app";
/// The desktop app's package name.
pub const APP_PACKAGE: &str = "tadhkira";
/// The desktop entry's file name.
pub const APP_ENTRY: &str = "tadhkira.desktop";
/// The server's binary.
pub const SERVER_BIN: &str = "tadhkira-server";
/// The server package's name.
pub const SERVER_PACKAGE: &str = "tadhkira-server";

/// What the app needs at run time: the libraries it links (`readelf -d`: WebKitGTK 4.1,
/// which brings GTK 3, libsoup and JavaScriptCore; libdbus for notifications and the
/// keychain) and the tray's indicator library, which it loads when it starts (as
/// `tauri build` declares it).
const DEB_DEPENDS: &[&str] = &[
    "libwebkit2gtk-4.1-0",
    "libgtk-3-0",
    "libdbus-1-3",
    "libayatana-appindicator3-1",
];
/// The same for an `.rpm` (Fedora's names).
const RPM_DEPENDS: &[&str] = &[
    "webkit2gtk4.1",
    "gtk3",
    "dbus-libs",
    "libayatana-appindicator-gtk3",
];

const MAINTAINER: &str = "Tadhkira <packages@tadhkira.example>";

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/bundle lives two levels below the root")
        .to_path_buf()
}

/// Where the packages of the build in `profile_dir` (`target/debug`…) are written.
pub fn packages_dir(profile_dir: &Path) -> PathBuf {
    profile_dir.join("packages")
}

/// What tauri.conf.json says about the app's package.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub product: String,
    pub version: String,
    pub short_description: String,
    pub long_description: String,
    pub license: String,
    /// The freedesktop categories (`Office;` for tauri.conf.json's `Business`).
    pub categories: String,
    /// The icons, as paths.
    pub icons: Vec<PathBuf>,
    /// The desktop entry template (Tauri's: `{{name}}`, `{{exec}}`, `{{icon}}`,
    /// `{{categories}}`, `{{comment}}` and `{{#if comment}}…{{/if}}`).
    pub desktop_template: PathBuf,
}

/// The app's Tauri configuration (`src-tauri/tauri.conf.json`).
pub fn app_config() -> Result<AppConfig> {
    let tauri_dir = root().join("src-tauri");
    let path = tauri_dir.join("tauri.conf.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let config: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let text_at = |keys: &[&str]| -> Result<String> {
        keys.iter()
            .try_fold(&config, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("tauri.conf.json has no {}", keys.join(".")))
    };
    let category = text_at(&["bundle", "category"])?;
    let categories = match category.as_str() {
        "Business" => "Office;",
        "Productivity" => "Office;",
        "Utility" => "Utility;",
        other => bail!("tauri.conf.json: no freedesktop category known for {other}"),
    };
    let icons = config
        .pointer("/bundle/icon")
        .and_then(Value::as_array)
        .context("tauri.conf.json has no bundle.icon")?
        .iter()
        .filter_map(Value::as_str)
        .map(|p| tauri_dir.join(p))
        .collect();
    Ok(AppConfig {
        product: text_at(&["productName"])?,
        version: text_at(&["version"])?,
        short_description: text_at(&["bundle", "shortDescription"])?,
        long_description: text_at(&["bundle", "longDescription"])?,
        license: text_at(&["bundle", "license"])?,
        categories: categories.to_owned(),
        icons,
        desktop_template: tauri_dir.join(text_at(&["bundle", "linux", "deb", "desktopTemplate"])?),
    })
}

/// Width and height of a PNG file (its IHDR chunk).
pub fn png_size(path: &Path) -> Result<(u32, u32)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG file",
        path.display()
    );
    let at = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Ok((at(16), at(20)))
}

/// The desktop entry, from the template.
fn desktop_entry(config: &AppConfig) -> Result<String> {
    let template = std::fs::read_to_string(&config.desktop_template)
        .with_context(|| format!("reading {}", config.desktop_template.display()))?;
    let mut entry = String::new();
    for line in template.lines() {
        let line = line.trim_end();
        // The comment is always there: its condition's lines go.
        if line == "{{#if comment}}" || line == "{{/if}}" {
            continue;
        }
        anyhow::ensure!(
            !line.contains("{{#") && !line.contains("{{/"),
            "{}: only {{{{#if comment}}}} blocks are supported: {line}",
            config.desktop_template.display()
        );
        let line = line
            .replace("{{name}}", &config.product)
            .replace("{{comment}}", &config.short_description)
            .replace("{{exec}}", APP_BIN)
            .replace("{{icon}}", APP_BIN)
            .replace("{{categories}}", &config.categories);
        anyhow::ensure!(
            !line.contains("{{"),
            "{}: unknown variable in {line}",
            config.desktop_template.display()
        );
        entry.push_str(&line);
        entry.push('\n');
    }
    Ok(entry)
}

/// Copies `from` to `root/to` with `mode`, making the folders.
fn place(root: &Path, from: &Path, to: &str, mode: u32) -> Result<()> {
    let to = root.join(to);
    std::fs::create_dir_all(to.parent().context("a path in a package has a folder")?)?;
    std::fs::copy(from, &to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// A fresh, empty folder.
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))
}

/// Lays the desktop app's files out below `tree` (as installed below `/`) and returns
/// their paths in the package, sorted. The binary is the build's, marked with the kind
/// of package and the version it is packaged as ([`stamp`]).
fn app_tree(
    profile_dir: &Path,
    config: &AppConfig,
    tree: &Path,
    kind: PackageKind,
) -> Result<Vec<String>> {
    let binary = profile_dir.join(APP_BIN);
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: build the workspace first",
        binary.display()
    );
    let mut files = vec![format!("usr/bin/{APP_BIN}")];
    let mut bytes =
        std::fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?;
    stamp(&mut bytes, kind, &config.version)
        .with_context(|| format!("marking {}", binary.display()))?;
    let to = tree.join(&files[0]);
    std::fs::create_dir_all(to.parent().context("usr/bin")?)?;
    std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755))?;
    let entry = format!("usr/share/applications/{APP_ENTRY}");
    std::fs::create_dir_all(tree.join("usr/share/applications"))?;
    std::fs::write(tree.join(&entry), desktop_entry(config)?)?;
    files.push(entry);
    // One icon per size, in the hicolor theme (`128x128@2x.png` is macOS's name for the
    // 256 px one; the first file of each size is taken).
    for icon in &config.icons {
        if icon.extension().is_none_or(|e| e != "png") {
            continue;
        }
        let (w, h) = png_size(icon)?;
        let to = format!("usr/share/icons/hicolor/{w}x{h}/apps/{APP_BIN}.png");
        if !files.contains(&to) {
            place(tree, icon, &to, 0o644)?;
            files.push(to);
        }
    }
    files.sort();
    Ok(files)
}

/// Debian's name for this machine's architecture.
fn debian_arch() -> Result<&'static str> {
    Ok(match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "riscv64" => "riscv64",
        other => bail!("no Debian architecture for {other}"),
    })
}

/// The size of the files below `dir`, in bytes.
fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// A control file's `Description:` (the short one, then the long one indented).
fn control_description(short: &str, long: &str) -> String {
    let mut text = format!("Description: {short}\n");
    for line in long.lines() {
        let line = line.trim();
        text.push_str(if line.is_empty() { " ." } else { " " });
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// `dpkg-deb --build tree package` (gzip: a debug build's binary is large, and xz slow
/// on 2 cores).
fn dpkg_deb(tree: &Path, package: &Path) -> Result<()> {
    let out = Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "-z6", "--build"])
        .arg(tree)
        .arg(package)
        .output()
        .context("running dpkg-deb (Debian's dpkg)")?;
    anyhow::ensure!(
        out.status.success(),
        "dpkg-deb --build failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// The configuration, packaged as `version` when one is given (checked as semver).
fn config_as(version: Option<&str>) -> Result<AppConfig> {
    let mut config = app_config()?;
    if let Some(v) = version {
        anyhow::ensure!(
            is_semver(v) && v.len() <= VERSION_SLOT_BYTES - VERSION_SLOT_PREFIX.len(),
            "{v:?} is not a version such as 1.2.3"
        );
        config.version = v.to_owned();
    }
    Ok(config)
}

/// Builds `tadhkira_VERSION_ARCH.deb`, the desktop app of the build in `profile_dir`,
/// and returns its path, in `packages_dir`.
pub fn desktop_deb(profile_dir: &Path) -> Result<PathBuf> {
    desktop_deb_as(profile_dir, None)
}

/// [`desktop_deb`] packaged as `version` (else tauri.conf.json's): the same build,
/// whose binary then reports that version (see [`stamp`]).
pub fn desktop_deb_as(profile_dir: &Path, version: Option<&str>) -> Result<PathBuf> {
    let config = config_as(version)?;
    let arch = debian_arch()?;
    let out = packages_dir(profile_dir);
    let tree = out.join("app-deb");
    fresh_dir(&tree)?;
    app_tree(profile_dir, &config, &tree, PackageKind::Deb)?;
    let installed_kib = dir_size(&tree)? / 1024;
    std::fs::create_dir_all(tree.join("DEBIAN"))?;
    let control = format!(
        "Package: {APP_PACKAGE}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: {MAINTAINER}\n\
         Installed-Size: {installed_kib}\n\
         Depends: {depends}\n\
         Section: utils\n\
         Priority: optional\n\
         {description}",
        version = config.version,
        depends = DEB_DEPENDS.join(", "),
        description = control_description(&config.short_description, &config.long_description),
    );
    std::fs::write(tree.join("DEBIAN/control"), control)?;
    let package = out.join(format!("{APP_PACKAGE}_{}_{arch}.deb", config.version));
    dpkg_deb(&tree, &package)?;
    std::fs::remove_dir_all(&tree).ok();
    Ok(package)
}

/// Builds `tadhkira-VERSION-1.ARCH.rpm`, the desktop app of the build in `profile_dir`,
/// with `rpmbuild` (Debian's `rpm` package) and returns its path, in `packages_dir`.
pub fn desktop_rpm(profile_dir: &Path) -> Result<PathBuf> {
    desktop_rpm_as(profile_dir, None)
}

/// [`desktop_rpm`] packaged as `version` (else tauri.conf.json's).
pub fn desktop_rpm_as(profile_dir: &Path, version: Option<&str>) -> Result<PathBuf> {
    let config = config_as(version)?;
    let arch = std::env::consts::ARCH;
    let out = packages_dir(profile_dir);
    let work = out.join("app-rpm");
    fresh_dir(&work)?;
    let tree = work.join("tree");
    let files = app_tree(profile_dir, &config, &tree, PackageKind::Rpm)?;
    let file_list: String = files.iter().map(|f| format!("/{f}\n")).collect();
    let spec = format!(
        "Name: {APP_PACKAGE}\n\
         Version: {version}\n\
         Release: 1\n\
         Summary: {summary}\n\
         License: {license}\n\
         BuildArch: {arch}\n\
         Packager: {MAINTAINER}\n\
         AutoReqProv: no\n\
         Requires: {requires}\n\
         %define _build_id_links none\n\
         %define debug_package %{{nil}}\n\
         %define __os_install_post %{{nil}}\n\
         %define _binary_payload w6.gzdio\n\
         \n\
         %description\n\
         {description}\n\
         \n\
         %install\n\
         cp -a {tree}/. %{{buildroot}}/\n\
         \n\
         %files\n\
         {file_list}",
        version = config.version,
        summary = config.short_description,
        license = config.license,
        requires = RPM_DEPENDS.join(", "),
        description = config.long_description,
        tree = tree.display(),
    );
    let spec_path = work.join("tadhkira.spec");
    std::fs::write(&spec_path, spec)?;
    let output = Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", work.join("rpmbuild").display()))
        .arg("--define")
        .arg(format!("_rpmdir {}", work.join("rpms").display()))
        .arg("-bb")
        .arg(&spec_path)
        .output()
        .context("running rpmbuild (apt-get install rpm)")?;
    anyhow::ensure!(
        output.status.success(),
        "rpmbuild failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let name = format!("{APP_PACKAGE}-{}-1.{arch}.rpm", config.version);
    let package = out.join(&name);
    // rpmbuild's default file name: ARCH/NAME-VERSION-RELEASE.ARCH.rpm.
    std::fs::rename(work.join("rpms").join(arch).join(&name), &package)
        .with_context(|| format!("rpmbuild wrote no {name}"))?;
    std::fs::remove_dir_all(&work).ok();
    Ok(package)
}

/// What goes into the server's package besides the binary: (source below `deploy/`,
/// path in the package, mode).
const SERVER_FILES: &[(&str, &str, u32)] = &[
    (
        "debian/tadhkira-server.service",
        "lib/systemd/system/tadhkira-server.service",
        0o644,
    ),
    ("debian/server.toml", "etc/tadhkira/server.toml", 0o640),
    ("debian/server.env", "etc/tadhkira/server.env", 0o640),
    (
        "debian/copyright",
        "usr/share/doc/tadhkira-server/copyright",
        0o644,
    ),
];

/// The package's maintainer scripts (below `deploy/debian/`).
const SERVER_SCRIPTS: &[&str] = &["postinst", "prerm", "postrm"];

/// Builds `tadhkira-server_VERSION_ARCH.deb` of the build in `profile_dir` and returns
/// its path, in `packages_dir`.
pub fn server_deb(profile_dir: &Path) -> Result<PathBuf> {
    let binary = profile_dir.join(SERVER_BIN);
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: build the workspace first",
        binary.display()
    );
    let version = env!("CARGO_PKG_VERSION");
    let arch = debian_arch()?;
    let out = packages_dir(profile_dir);
    let tree = out.join("server-deb");
    fresh_dir(&tree)?;
    let deploy = root().join("deploy");
    place(&tree, &binary, "usr/bin/tadhkira-server", 0o755)?;
    for (from, to, mode) in SERVER_FILES {
        place(&tree, &deploy.join(from), to, *mode)?;
    }
    let installed_kib = dir_size(&tree)? / 1024;
    for script in SERVER_SCRIPTS {
        place(
            &tree,
            &deploy.join("debian").join(script),
            &format!("DEBIAN/{script}"),
            0o755,
        )?;
    }
    let conffiles: String = SERVER_FILES
        .iter()
        .filter(|(_, to, _)| to.starts_with("etc/"))
        .map(|(_, to, _)| format!("/{to}\n"))
        .collect();
    std::fs::write(tree.join("DEBIAN/conffiles"), conffiles)?;
    let control = format!(
        "Package: {SERVER_PACKAGE}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: {MAINTAINER}\n\
         Installed-Size: {installed_kib}\n\
         Depends: libc6, libgcc-s1, passwd\n\
         Section: net\n\
         Priority: optional\n\
         {description}",
        description = control_description(
            "Tadhkira central helpdesk",
            "The server of the Tadhkira help-desk: tickets, tiered queues, response\n\
             targets and live events for the desktop apps. Runs as the tadhkira-server\n\
             systemd service, as the tadhkira system user, with its data in\n\
             /var/lib/tadhkira (SQLite) or PostgreSQL and its settings in /etc/tadhkira."
        ),
    );
    std::fs::write(tree.join("DEBIAN/control"), control)?;
    let package = out.join(format!("{SERVER_PACKAGE}_{version}_{arch}.deb"));
    dpkg_deb(&tree, &package)?;
    std::fs::remove_dir_all(&tree).ok();
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_icons_of_every_kind_that_exist_and_a_valid_entry() {
        let config = app_config().unwrap();
        for icon in &config.icons {
            assert!(icon.is_file(), "{} is missing", icon.display());
        }
        for ext in ["png", "ico", "icns"] {
            assert!(
                config
                    .icons
                    .iter()
                    .any(|i| i.extension().is_some_and(|e| e == ext)),
                "no .{ext} icon in {:?}",
                config.icons
            );
        }
        let mut sizes: Vec<u32> = config
            .icons
            .iter()
            .filter(|i| i.extension().is_some_and(|e| e == "png"))
            .map(|i| png_size(i).unwrap().0)
            .collect();
        sizes.sort();
        sizes.dedup();
        assert_eq!(sizes, [16, 32, 48, 64, 128, 256, 512, 1024]);
        let entry = desktop_entry(&config).unwrap();
        assert!(entry.contains("\nName=Tadhkira\n"), "{entry}");
        assert!(entry.contains("\nName[ar]=تذكرة\n"), "{entry}");
        assert!(entry.contains("\nExec=tadhkira-app\n"), "{entry}");
        assert!(entry.contains("\nCategories=Office;\n"), "{entry}");
        assert!(!entry.contains("{{"), "{entry}");
    }

    #[test]
    fn a_long_description_keeps_its_paragraphs_in_the_control_file() {
        assert_eq!(
            control_description("Short", "One\n\nTwo"),
            "Description: Short\n One\n .\n Two\n"
        );
    }
}
