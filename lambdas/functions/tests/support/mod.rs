//! A real moto server on a free loopback port for each test, and the tables
//! the stack creates, made the same way.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use visitor_model::tables::{connections, paths, totals, visitors};

/// The managed Python environment's `bin` (set by `cargo xtask test`).
pub const PYENV_VAR: &str = "VISITOR_PYENV_BIN";

/// A moto server, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    let dir = std::env::var(PYENV_VAR).unwrap_or_else(|_| {
        panic!(
            "{PYENV_VAR} is not set: run these tests with `cargo xtask test` (which installs the pinned \
             moto and sets it), or point it at a directory holding moto_server"
        )
    });
    let path = PathBuf::from(dir).join("moto_server");
    assert!(
        path.exists(),
        "{} does not exist; `cargo xtask test` installs it",
        path.display()
    );
    path
}

impl Moto {
    /// Starts moto on a free port and waits until it answers.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start within 30 s");
            std::thread::sleep(Duration::from_millis(25));
        }
        moto
    }

    /// SDK configuration pointing at this server.
    pub async fn config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config().await)
    }
}

/// The four tables, named `<prefix>-<role>`.
pub struct Tables {
    pub totals: String,
    pub visitors: String,
    pub paths: String,
    pub connections: String,
}

pub async fn create_tables(db: &aws_sdk_dynamodb::Client, prefix: &str) -> Tables {
    let tables = Tables {
        totals: format!("{prefix}-totals"),
        visitors: format!("{prefix}-visitors"),
        paths: format!("{prefix}-paths"),
        connections: format!("{prefix}-connections"),
    };
    for (name, pk, stream) in [
        (&tables.totals, totals::PK, true),
        (&tables.visitors, visitors::PK, false),
        (&tables.paths, paths::PK, false),
        (&tables.connections, connections::PK, false),
    ] {
        let mut request = db
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(pk)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(pk)
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest);
        if stream {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewImage)
                    .build()
                    .unwrap(),
            );
        }
        request.send().await.expect("create table");
    }
    tables
}

/// A number attribute of an item (0 when absent).
pub async fn number(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    key: &str,
    attr: &str,
) -> u64 {
    let item = db
        .get_item()
        .table_name(table)
        .key(pk, aws_sdk_dynamodb::types::AttributeValue::S(key.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default();
    match item.get(attr) {
        Some(aws_sdk_dynamodb::types::AttributeValue::N(n)) => n.parse().unwrap(),
        _ => 0,
    }
}
