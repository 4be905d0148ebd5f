//! The `tadhkira` CLI in Arabic: `--lang ar` (and `LANG=ar_EG.UTF-8`) switch its lines
//! for people, and `--help`, to the Arabic catalogue, plurals included; exit codes do
//! not change.

use std::path::Path;
use std::process::{Command, Output};

use tadhkira_tests::server::{spawn_server, PASSWORD};
use tadhkira_tests::workspace_bin;

fn cli(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(workspace_bin("tadhkira"));
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TADHKIRA_PASSWORD", PASSWORD)
        .env_remove("TADHKIRA_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("tadhkira runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_cli_speaks_arabic_with_the_right_plural_forms() {
    let mut server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ar = ["--lang", "ar"];

    let none = cli(d, &[], &["--lang", "ar", "list"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("لم يتم تسجيل الدخول"), "{none:?}");

    let login = cli(
        d,
        &[],
        &[
            "--lang",
            "ar",
            "login",
            "--server",
            &server.url(),
            "--email",
            "customer@nile.example",
        ],
    );
    assert_eq!(login.status.code(), Some(0), "{login:?}");
    assert!(stdout(&login).contains("تم تسجيل الدخول باسم"), "{login:?}");
    assert!(
        stdout(&login).contains("(عميل)"),
        "the role in words: {login:?}"
    );

    // Zero, two and few (3–10) forms of "entry" in the outbox.
    let empty = cli(d, &[], &[ar[0], ar[1], "outbox"]);
    assert_eq!(stdout(&empty).trim(), "لا توجد إدخالات", "{empty:?}");
    for title in ["الطابعة لا تطبع", "الشبكة بطيئة"] {
        let new = cli(
            d,
            &[],
            &[
                "--lang",
                "ar",
                "--offline",
                "new",
                "--title",
                title,
                "--description",
                "منذ الصباح",
            ],
        );
        assert_eq!(new.status.code(), Some(0), "{new:?}");
        assert!(stdout(&new).starts_with("في الانتظار "), "{new:?}");
    }
    let two = cli(d, &[], &[ar[0], ar[1], "outbox"]);
    assert!(stdout(&two).ends_with("إدخالان\n"), "{two:?}");
    assert!(stdout(&two).contains("في الانتظار"), "{two:?}");

    // The POSIX locale alone switches the language too.
    let three = cli(
        d,
        &[("LANG", "ar_EG.UTF-8")],
        &[
            "--offline",
            "new",
            "--title",
            "الفاكس لا يرسل",
            "--description",
            "منذ أمس",
        ],
    );
    assert_eq!(three.status.code(), Some(0), "{three:?}");
    let few = cli(d, &[("LANG", "ar_EG.UTF-8")], &["outbox"]);
    assert!(stdout(&few).ends_with("3 إدخالات\n"), "{few:?}");
    // …and --lang wins over it.
    let english = cli(d, &[("LANG", "ar_EG.UTF-8")], &["--lang", "en", "outbox"]);
    assert!(stdout(&english).ends_with("3 entries\n"), "{english:?}");

    // Offline: same exit code 3, the reason in Arabic with the few form of "change".
    server.stop();
    let offline = cli(d, &[], &[ar[0], ar[1], "sync"]);
    assert_eq!(offline.status.code(), Some(3), "{offline:?}");
    assert!(
        stderr(&offline).contains("تعذّر الوصول إلى الخادم"),
        "{offline:?}"
    );
    assert!(
        stderr(&offline).contains("تبقى 3 تغييرات في الانتظار"),
        "{offline:?}"
    );

    server.start();
    let synced = cli(d, &[], &[ar[0], ar[1], "sync"]);
    assert_eq!(synced.status.code(), Some(0), "{synced:?}");
    assert!(stdout(&synced).starts_with("أُرسل 3 "), "{synced:?}");
    let list = cli(d, &[], &[ar[0], ar[1], "list", "--search", "الفاكس"]);
    assert!(stdout(&list).contains("جديدة"), "status in words: {list:?}");
    assert!(stdout(&list).ends_with("تذكرة واحدة\n"), "{list:?}");
}

#[test]
fn the_help_is_in_the_users_language_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let ar = cli(d, &[], &["--lang", "ar", "--help"]);
    assert_eq!(ar.status.code(), Some(0), "{ar:?}");
    let text = stdout(&ar);
    for words in [
        "الاستخدام:",
        "الأوامر:",
        "سجّل الدخول إلى خادم",
        "اعرض المساعدة",
    ] {
        assert!(text.contains(words), "{words} in:\n{text}");
    }
    for english in ["Usage:", "Commands:", "Sign in", "Print help"] {
        assert!(!text.contains(english), "no {english} in:\n{text}");
    }

    // From the POSIX locale as well, for a subcommand's options.
    let list = stdout(&cli(d, &[("LANG", "ar_EG.UTF-8")], &["list", "--help"]));
    assert!(list.contains("كلمات للبحث عنها"), "{list}");

    let en = stdout(&cli(d, &[], &["list", "--help"]));
    assert!(en.contains("Usage: tadhkira list"), "{en}");
    assert!(en.contains("Words to find"), "{en}");
}
