//! The four tables created directly (not through CloudFormation), with the
//! key design the stack gives them: for tests and one-off local invocations.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodb::Client;

use crate::tables::{connections, paths, totals, visitors};

/// The tables' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// Totals.
    pub totals: String,
    /// Visitors.
    pub visitors: String,
    /// Paths.
    pub paths: String,
    /// Connections.
    pub connections: String,
}

impl TableNames {
    /// `<prefix>-totals`, `<prefix>-visitors`, ...
    pub fn with_prefix(prefix: &str) -> Self {
        TableNames {
            totals: format!("{prefix}-totals"),
            visitors: format!("{prefix}-visitors"),
            paths: format!("{prefix}-paths"),
            connections: format!("{prefix}-connections"),
        }
    }
}

/// Creates the four tables named `<prefix>-<role>`.
pub async fn create_tables(
    db: &Client,
    prefix: &str,
) -> Result<TableNames, aws_sdk_dynamodb::Error> {
    let names = TableNames::with_prefix(prefix);
    for (name, pk, stream) in [
        (&names.totals, totals::PK, true),
        (&names.visitors, visitors::PK, false),
        (&names.paths, paths::PK, false),
        (&names.connections, connections::PK, false),
    ] {
        let definition = AttributeDefinition::builder()
            .attribute_name(pk)
            .attribute_type(ScalarAttributeType::S)
            .build()?;
        let key = KeySchemaElement::builder()
            .attribute_name(pk)
            .key_type(KeyType::Hash)
            .build()?;
        let mut request = db
            .create_table()
            .table_name(name)
            .attribute_definitions(definition)
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest);
        if stream {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewImage)
                    .build()?,
            );
        }
        request.send().await?;
    }
    Ok(names)
}
