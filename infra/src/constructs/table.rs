//! A DynamoDB table with grants, TTL and streams.

use crate::aws::dynamodb;
use crate::aws::dynamodb::table::{
    AttributeDefinition, AttributeType, BillingMode, KeySchema, KeyType,
    PointInTimeRecoverySpecification, SseSpecification, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use crate::constructs::error::ConstructError;
use crate::constructs::perms::{self, ItemAccess};
use crate::constructs::role_policy::Grantee;
use crate::policy::Statement;
use crate::{sub, Attributes, DeletionPolicy, Handle, Template, Value};

/// A key attribute: its name and type.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    /// The attribute name.
    pub name: String,
    /// `S`, `N` or `B`.
    pub kind: AttributeType,
}

impl KeyAttribute {
    /// A string key.
    pub fn string(name: &str) -> Self {
        KeyAttribute {
            name: name.into(),
            kind: AttributeType::S,
        }
    }

    /// A number key.
    pub fn number(name: &str) -> Self {
        KeyAttribute {
            name: name.into(),
            kind: AttributeType::N,
        }
    }
}

/// Settings of a [`Table`]. On-demand billing and encryption at rest always.
#[derive(Debug, Clone, PartialEq)]
pub struct TableProps {
    /// The partition key.
    pub partition_key: KeyAttribute,
    /// The sort key, if any.
    pub sort_key: Option<KeyAttribute>,
    /// The attribute holding an expiry time (epoch seconds), if items expire.
    pub ttl_attribute: Option<String>,
    /// The stream's view type, if the table has a stream.
    pub stream: Option<StreamViewType>,
    /// Point-in-time recovery.
    pub point_in_time_recovery: bool,
    /// What happens to the data when the table leaves the stack.
    pub deletion_policy: DeletionPolicy,
}

impl TableProps {
    /// A table keyed by `partition_key`, deleted with its stack.
    pub fn new(partition_key: KeyAttribute) -> Self {
        TableProps {
            partition_key,
            sort_key: None,
            ttl_attribute: None,
            stream: None,
            point_in_time_recovery: false,
            deletion_policy: DeletionPolicy::Delete,
        }
    }
}

/// A DynamoDB table. Adds `<id>`.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table.
    pub table: Handle<dynamodb::Table>,
    has_stream: bool,
}

impl Table {
    /// Adds the table under `id`.
    pub fn new(template: &mut Template, id: &str, props: TableProps) -> Self {
        let mut keys = vec![KeySchema::new(
            props.partition_key.name.clone(),
            KeyType::Hash,
        )];
        let mut definitions = vec![AttributeDefinition::new(
            props.partition_key.name.clone(),
            props.partition_key.kind,
        )];
        if let Some(sort) = &props.sort_key {
            keys.push(KeySchema::new(sort.name.clone(), KeyType::Range));
            definitions.push(AttributeDefinition::new(sort.name.clone(), sort.kind));
        }
        let mut table = dynamodb::Table::new(keys)
            .attribute_definitions(definitions)
            .billing_mode(BillingMode::PayPerRequest)
            .sse_specification(SseSpecification::new(true));
        if let Some(attr) = &props.ttl_attribute {
            table = table.time_to_live_specification(
                TimeToLiveSpecification::new(true).attribute_name(attr.clone()),
            );
        }
        if let Some(view) = props.stream {
            table = table.stream_specification(StreamSpecification::new(view));
        }
        if props.point_in_time_recovery {
            table = table.point_in_time_recovery_specification(
                PointInTimeRecoverySpecification::new().point_in_time_recovery_enabled(true),
            );
        }
        let attributes = Attributes::new()
            .deletion_policy(props.deletion_policy)
            .update_replace_policy(props.deletion_policy.on_replace());
        Table {
            table: template.add_with(id, table, attributes),
            has_stream: props.stream.is_some(),
        }
    }

    /// The table's name (`Ref`).
    pub fn name(&self) -> Value<String> {
        self.table.reference()
    }

    /// The table's ARN.
    pub fn arn(&self) -> Value<String> {
        self.table.arn()
    }

    fn grant_items(&self, template: &mut Template, grantee: &mut impl Grantee, actions: &[&str]) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(actions.iter().copied())
                .resources([self.arn(), sub!(self.arn(), "/index/*")]),
        );
    }

    /// Exactly the item accesses `access` names: the table's ARN, and its
    /// indexes only for a query or scan.
    pub fn grant(
        &self,
        template: &mut Template,
        grantee: &mut impl Grantee,
        access: &[ItemAccess],
    ) {
        let mut access = access.to_vec();
        access.sort_unstable();
        access.dedup();
        if access.is_empty() {
            return;
        }
        let mut resources = vec![self.arn()];
        if access.iter().any(|a| a.reaches_indexes()) {
            resources.push(sub!(self.arn(), "/index/*"));
        }
        grantee.grant(
            template,
            Statement::allow()
                .actions(access.iter().map(|a| a.action()))
                .resources(resources),
        );
    }

    /// Reading items (and indexes).
    pub fn grant_read(&self, template: &mut Template, grantee: &mut impl Grantee) {
        self.grant_items(template, grantee, perms::TABLE_READ);
    }

    /// Writing items.
    pub fn grant_write(&self, template: &mut Template, grantee: &mut impl Grantee) {
        self.grant_items(template, grantee, perms::TABLE_WRITE);
    }

    /// Reading and writing items.
    pub fn grant_read_write(&self, template: &mut Template, grantee: &mut impl Grantee) {
        let mut actions: Vec<&str> = perms::TABLE_READ
            .iter()
            .chain(perms::TABLE_WRITE)
            .copied()
            .collect();
        actions.sort_unstable();
        actions.dedup();
        self.grant_items(template, grantee, &actions);
    }

    /// Reading the table's stream.
    pub fn grant_stream_read(
        &self,
        template: &mut Template,
        grantee: &mut impl Grantee,
    ) -> Result<(), ConstructError> {
        let arn = self.stream_arn()?;
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::TABLE_STREAM_READ.iter().copied())
                .resource(arn),
        );
        Ok(())
    }

    /// The stream's ARN; an error when the table has no stream.
    pub fn stream_arn(&self) -> Result<Value<String>, ConstructError> {
        if self.has_stream {
            Ok(self.table.stream_arn())
        } else {
            Err(ConstructError::NoStream(self.table.logical_id().to_owned()))
        }
    }
}
