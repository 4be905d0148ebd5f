//! Private mail servers for the e-mail channel's suite, on free loopback ports in a
//! temporary folder, stopped by process id when dropped:
//!
//! - **Dovecot** (Debian's `dovecot-imapd` + `dovecot-lmtpd`) serves every mailbox over
//!   IMAP (with IDLE and MOVE) and takes deliveries over LMTP. Users and their
//!   passwords are in a passwd-file; mail is stored as Maildir under the folder, owned
//!   by `nobody` when the suite runs as root (Dovecot refuses to act as root).
//! - **An SMTP server** (`aiosmtpd`, Debian's `python3-aiosmtpd`) that wants AUTH and
//!   hands every message it accepts to Dovecot's LMTP, once per recipient: what the
//!   helpdesk sends over SMTP lands in each recipient's mailbox (the customer's and
//!   everyone copied), where the suite reads it back over IMAP.
//!
//! `cargo xtask setup` installs both packages.

use std::net::TcpStream as StdTcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_imap::Session;
use futures::TryStreamExt;
use tokio::net::TcpStream;

/// The login the SMTP server wants.
pub const SMTP_USER: &str = "relay";
/// Its password.
pub const SMTP_PASSWORD: &str = "relay-secret";

/// The SMTP server: accepts with AUTH, relays to LMTP, answers 451 when LMTP fails.
const RELAY: &str = r#"
import smtplib, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

smtp_port, lmtp_port = int(sys.argv[1]), int(sys.argv[2])
user, password = sys.argv[3].encode(), sys.argv[4].encode()

class Relay:
    async def handle_DATA(self, server, session, envelope):
        # One LMTP transaction per recipient: LMTP answers DATA once per recipient,
        # and smtplib reads only one answer (a second would be taken for the next).
        try:
            for rcpt in envelope.rcpt_tos:
                with smtplib.LMTP("127.0.0.1", lmtp_port) as lmtp:
                    lmtp.sendmail(envelope.mail_from, [rcpt], envelope.original_content)
        except Exception as e:
            return "451 delivery to LMTP failed: %s" % e
        return "250 OK delivered"

def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
    return AuthResult(success=ok)

controller = Controller(Relay(), hostname="127.0.0.1", port=smtp_port, authenticator=check,
                        auth_required=True, auth_require_tls=False)
controller.start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// Dovecot and the SMTP relay, running.
pub struct MailServers {
    dovecot: Option<Child>,
    relay: Option<Child>,
    /// Dovecot's IMAP port.
    pub imap_port: u16,
    /// The SMTP server's port.
    pub smtp_port: u16,
    dir: tempfile::TempDir,
}

/// The password of a mailbox user in these servers.
pub fn password_of(user: &str) -> String {
    format!("pw-{}", user.split('@').next().unwrap_or(user))
}

impl MailServers {
    /// Starts both with a mailbox for each of `users` (full addresses).
    pub fn start(users: &[&str]) -> MailServers {
        let dovecot_bin = Path::new("/usr/sbin/dovecot");
        assert!(
            dovecot_bin.exists(),
            "Dovecot is missing: apt-get install dovecot-imapd dovecot-lmtpd (cargo xtask setup)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        // Dovecot's mail processes run as another user, who must reach the folder.
        set_mode(root, 0o755);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let (imap_port, lmtp_port, smtp_port) = (
            crate::app::free_port(),
            crate::app::free_port(),
            crate::app::free_port(),
        );
        let passwd: String = users
            .iter()
            .map(|u| format!("{u}:{{PLAIN}}{}\n", password_of(u)))
            .collect();
        std::fs::write(root.join("users"), passwd).unwrap();
        let (uid, gid, who) = mail_owner();
        chown(&root.join("mail"), &uid);
        let conf = format!(
            r#"base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
{who}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"#,
            root = root.display()
        );
        let conf_path = root.join("dovecot.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let dovecot = Command::new(dovecot_bin)
            .arg("-F")
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting dovecot");
        std::fs::write(root.join("relay.py"), RELAY).unwrap();
        // Debian's interpreter, which has python3-aiosmtpd (a python3 earlier on the
        // PATH, such as pyenv's, would not).
        let relay = Command::new("/usr/bin/python3")
            .arg(root.join("relay.py"))
            .args([
                smtp_port.to_string(),
                lmtp_port.to_string(),
                SMTP_USER.into(),
                SMTP_PASSWORD.into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the SMTP relay (python3 with aiosmtpd)");
        let servers = MailServers {
            dovecot: Some(dovecot),
            relay: Some(relay),
            imap_port,
            smtp_port,
            dir,
        };
        for (what, port) in [
            ("dovecot imap", imap_port),
            ("dovecot lmtp", lmtp_port),
            ("smtp relay (python3-aiosmtpd installed?)", smtp_port),
        ] {
            servers.wait_listening(what, port);
        }
        servers
    }

    fn wait_listening(&self, what: &str, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while StdTcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{what} does not listen on {port}; dovecot log:\n{}",
                std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Logs `user` in over IMAP.
    pub async fn imap(&self, user: &str) -> Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap_port))
            .await
            .expect("imap connect");
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .expect("imap greeting")
            .expect("imap greeting");
        client
            .login(user, password_of(user))
            .await
            .map_err(|(e, _)| e)
            .expect("imap login")
    }

    /// Puts a message in `user`'s `folder`, as a delivery would.
    pub async fn append(&self, user: &str, folder: &str, raw: &str) {
        let mut s = self.imap(user).await;
        let _ = s.create(folder).await;
        s.append(
            folder,
            None,
            None,
            raw.replace('\n', "\r\n").replace("\r\r", "\r"),
        )
        .await
        .expect("imap append");
        let _ = s.logout().await;
    }

    /// Every message in `user`'s `folder` (missing folder: none), oldest first.
    pub async fn messages(&self, user: &str, folder: &str) -> Vec<Vec<u8>> {
        let mut s = self.imap(user).await;
        let Ok(selected) = s.select(folder).await else {
            return Vec::new();
        };
        if selected.exists == 0 {
            return Vec::new();
        }
        let mut fetched: Vec<_> = s
            .fetch("1:*", "(UID BODY.PEEK[])")
            .await
            .expect("imap fetch")
            .try_collect()
            .await
            .expect("imap fetch");
        fetched.sort_by_key(|f| f.uid);
        let out = fetched
            .iter()
            .filter_map(|f| f.body().map(|b| b.to_vec()))
            .collect();
        let _ = s.logout().await;
        out
    }

    /// How many messages `user`'s `folder` holds.
    pub async fn count(&self, user: &str, folder: &str) -> u32 {
        let mut s = self.imap(user).await;
        let n = s.select(folder).await.map(|m| m.exists).unwrap_or(0);
        let _ = s.logout().await;
        n
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        for child in [self.relay.take(), self.dovecot.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Who owns the mail: `nobody` when we are root (Dovecot will not run mail processes
/// as root), else ourselves (then Dovecot runs its own processes as us too).
fn mail_owner() -> (String, String, String) {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().expect("id");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    if id("-u") == "0" {
        ("nobody".into(), "nogroup".into(), String::new())
    } else {
        let me = id("-un");
        (
            id("-u"),
            id("-g"),
            format!("default_internal_user = {me}\ndefault_login_user = {me}"),
        )
    }
}

fn chown(path: &Path, owner: &str) {
    let status = Command::new("chown")
        .arg(owner)
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success(), "chown {owner} {}", path.display());
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
