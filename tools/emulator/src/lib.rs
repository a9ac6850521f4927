//! The embedded AWS emulator: a moto server (from the project's managed
//! Python environment) on a free loopback port, stopped when dropped.

pub mod pyenv;
pub mod sqs_source;
pub mod stream_source;
pub mod wiring;

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the managed Python environment's `bin`
/// directory (`cargo xtask` sets it for the tests it runs).
pub const PYENV_BIN_VAR: &str = "VISITOR_PYENV_BIN";

/// Credentials moto accepts (any will do; these never reach AWS).
pub const ACCESS_KEY: &str = "testing";

/// The region everything runs in.
pub const REGION: &str = "us-east-1";

/// The account moto puts everything in (its default, `MOTO_ACCOUNT_ID`
/// unset).
pub const ACCOUNT: &str = "123456789012";

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The directory holds no Python with moto installed.
    #[error("no python with moto_server in {0}: `cargo xtask` installs the pinned moto into the managed Python environment")]
    NotInstalled(PathBuf),
    /// [`PYENV_BIN_VAR`] is not set and no target directory is known.
    #[error("{PYENV_BIN_VAR} is not set and this is not a test under a cargo target directory: run through `cargo xtask` (which installs the pinned moto and sets it), or point it at the bin directory of a Python environment with moto installed")]
    NoPyEnv,
    /// The managed environment could not be made.
    #[error(transparent)]
    PyEnv(#[from] pyenv::PyEnvError),
    /// The process could not be started.
    #[error("starting moto_server: {0}")]
    Spawn(std::io::Error),
    /// No port could be had.
    #[error("finding a free loopback port: {0}")]
    Port(std::io::Error),
    /// It started but never answered.
    #[error("moto_server did not answer on {0} within {1:?}")]
    Timeout(String, Duration),
}

/// The Python program that starts moto: moto's own server, with each
/// DynamoDB request applied atomically as on AWS (moto alone lets two
/// concurrent updates of one item interleave and lose one's changes).
pub const LAUNCHER: &str = include_str!("moto_server.py");

/// The managed Python environment's `bin` directory: the one
/// [`PYENV_BIN_VAR`] names or, in a test run by plain `cargo test`, the one
/// in its target directory (installed first if missing, as `cargo xtask`
/// would).
pub fn pyenv_bin() -> Result<PathBuf, EmulatorError> {
    if let Some(bin) = std::env::var_os(PYENV_BIN_VAR) {
        return Ok(PathBuf::from(bin));
    }
    let target = pyenv::test_target_dir().ok_or(EmulatorError::NoPyEnv)?;
    Ok(pyenv::ensure(&pyenv::build_workspace(), &target)?.join("bin"))
}

/// A running moto server.
pub struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    /// Starts moto from the environment named by [`PYENV_BIN_VAR`] or, in
    /// a test run by plain `cargo test`, from the managed environment in
    /// its target directory (installed first if missing, as `cargo xtask`
    /// would).
    pub fn start() -> Result<Moto, EmulatorError> {
        Self::start_from(&pyenv_bin()?)
    }

    /// Starts moto's server from the Python environment at `bin` on a free
    /// loopback port (through [`LAUNCHER`], which makes its DynamoDB
    /// requests atomic) and waits until it accepts connections.
    pub fn start_from(bin: &Path) -> Result<Moto, EmulatorError> {
        if !bin.join("moto_server").exists() || !bin.join("python").exists() {
            return Err(EmulatorError::NotInstalled(bin.to_path_buf()));
        }
        // A free port can be taken by another server started at the same
        // moment (tests run in parallel): then ours fails to bind, and the
        // port answers for the other one. So a start counts only once our
        // own process listens on the port; otherwise it is tried again.
        let limit = Duration::from_secs(30);
        let deadline = Instant::now() + limit;
        let mut endpoint = String::new();
        while Instant::now() < deadline {
            let port = free_port()?;
            let child = Command::new(bin.join("python"))
                .args(["-c", LAUNCHER, "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group: Ctrl-C at the terminal reaches the
                // command that owns this server, which cleans up before stopping it.
                .process_group(0)
                .spawn()
                .map_err(EmulatorError::Spawn)?;
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
            };
            endpoint = moto.endpoint.clone();
            loop {
                if moto.child.try_wait().ok().flatten().is_some() {
                    break; // it exited (the port was taken): another port
                }
                if listens(moto.child.id(), port) && TcpStream::connect(("127.0.0.1", port)).is_ok()
                {
                    return Ok(moto);
                }
                if Instant::now() > deadline {
                    return Err(EmulatorError::Timeout(endpoint, limit));
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        Err(EmulatorError::Timeout(endpoint, limit))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK configuration for this server: its endpoint, test credentials, us-east-1.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint).await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK configuration for any AWS-compatible endpoint with test credentials.
pub async fn sdk_config_for(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            ACCESS_KEY, ACCESS_KEY, None, None, "emulator",
        ))
        .load()
        .await
}

/// A loopback port nothing listens on right now.
/// Whether process `pid` holds the listening TCP socket on loopback `port`
/// (Linux: the socket's inode in /proc/net/tcp among the process's file
/// descriptors).
fn listens(pid: u32, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true; // no /proc to ask: the connect alone decides
    };
    let wanted = format!(":{port:04X}");
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address, state 0A (LISTEN), inode
            (fields.len() > 9 && fields[1].ends_with(&wanted) && fields[3] == "0A")
                .then(|| format!("socket:[{}]", fields[9]))
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .is_ok_and(|target| inodes.iter().any(|i| target.to_string_lossy() == *i))
    })
}

pub fn free_port() -> Result<u16, EmulatorError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(EmulatorError::Port)?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(EmulatorError::Port)
}
