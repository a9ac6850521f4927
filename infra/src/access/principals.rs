//! The roles of a rendered template and their policies, with intrinsics
//! resolved to what a deployment assigned.
//!
//! A role's identity policies are its inline `Policies`, the
//! `AWS::IAM::Policy`/`AWS::IAM::RolePolicy` resources naming it, and the
//! `AWS::IAM::ManagedPolicy` resources it lists or that list it; its
//! `PermissionsBoundary` is evaluated too. A managed policy from outside the
//! template can only be evaluated when its document is supplied
//! ([`Deployment::managed_policy`]); otherwise it is named in
//! [`Role::unmodelled`], never assumed to allow anything.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use crate::access::calls::Place;
use crate::access::eval::{Policy, PolicyError};

/// Why a template's policies could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PrincipalError {
    /// An intrinsic could not be resolved.
    #[error("{at}: cannot resolve {what}")]
    Unresolved {
        /// Where (`ProcessorRole.Policies`).
        at: String,
        /// What (`Fn::GetAtt Totals.StreamArn`).
        what: String,
    },
    /// A policy document is not one.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// What a deployment assigned: physical IDs, parameter values, attributes
/// and managed policies from outside the template.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Partition, region, account.
    pub place: Place,
    /// The stack's name (`AWS::StackName`).
    pub stack_name: String,
    /// Physical ID of each resource, and value of each parameter, by logical ID.
    pub physical: BTreeMap<String, String>,
    /// Attributes known by other means (a table's `StreamArn`), by
    /// `(logical ID, attribute)`.
    pub attributes: BTreeMap<(String, String), String>,
    /// Documents of managed policies from outside the template, by ARN.
    pub managed_policies: BTreeMap<String, Json>,
}

impl Deployment {
    /// A deployment at `place` named `stack_name`.
    pub fn new(place: Place, stack_name: impl Into<String>) -> Self {
        Deployment {
            place,
            stack_name: stack_name.into(),
            physical: BTreeMap::new(),
            attributes: BTreeMap::new(),
            managed_policies: BTreeMap::new(),
        }
    }

    /// Records a resource's physical ID (or a parameter's value).
    pub fn physical(mut self, logical_id: &str, value: impl Into<String>) -> Self {
        self.physical.insert(logical_id.to_owned(), value.into());
        self
    }

    /// Records an attribute.
    pub fn attribute(mut self, logical_id: &str, name: &str, value: impl Into<String>) -> Self {
        self.attributes
            .insert((logical_id.to_owned(), name.to_owned()), value.into());
        self
    }

    /// Supplies an outside managed policy's document.
    pub fn managed_policy(mut self, arn: &str, document: Json) -> Self {
        self.managed_policies.insert(arn.to_owned(), document);
        self
    }

    fn pseudo(&self, name: &str) -> Option<String> {
        let place = &self.place;
        Some(match name {
            "AWS::Partition" => place.partition.clone(),
            "AWS::Region" => place.region.clone(),
            "AWS::AccountId" => place.account.clone(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            _ => return None,
        })
    }

    /// `Ref` of `id` in `template`.
    fn reference(&self, template: &Json, id: &str) -> Option<String> {
        if let Some(v) = self.pseudo(id) {
            return Some(v);
        }
        if let Some(v) = self.physical.get(id) {
            return Some(v.clone());
        }
        // A parameter's default stands when the deployment gave no value.
        template["Parameters"][id]["Default"]
            .as_str()
            .map(str::to_owned)
    }

    /// `Fn::GetAtt` of `id.attribute`: recorded, or derived from the
    /// physical ID by the ARN format of the resource's type.
    fn attribute_of(&self, template: &Json, id: &str, attribute: &str) -> Option<String> {
        if let Some(v) = self.attributes.get(&(id.to_owned(), attribute.to_owned())) {
            return Some(v.clone());
        }
        let physical = self.physical.get(id)?;
        let place = &self.place;
        let (p, r, a) = (&place.partition, &place.region, &place.account);
        let kind = template["Resources"][id]["Type"].as_str()?;
        // ARN formats: the service authorization reference's resource types.
        Some(match (kind, attribute) {
            ("AWS::DynamoDB::Table", "Arn") => format!("arn:{p}:dynamodb:{r}:{a}:table/{physical}"),
            ("AWS::SQS::Queue", "Arn") => {
                let name = physical.rsplit('/').next().unwrap_or(physical);
                format!("arn:{p}:sqs:{r}:{a}:{name}")
            }
            ("AWS::SQS::Queue", "QueueUrl") => physical.clone(),
            ("AWS::SQS::Queue", "QueueName") => {
                physical.rsplit('/').next().unwrap_or(physical).to_owned()
            }
            ("AWS::IAM::Role", "Arn") => {
                let path = template["Resources"][id]["Properties"]["Path"]
                    .as_str()
                    .unwrap_or("/");
                format!("arn:{p}:iam::{a}:role{path}{physical}")
            }
            ("AWS::Logs::LogGroup", "Arn") => {
                format!("arn:{p}:logs:{r}:{a}:log-group:{physical}:*")
            }
            ("AWS::Lambda::Function", "Arn") => {
                format!("arn:{p}:lambda:{r}:{a}:function:{physical}")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:{p}:s3:::{physical}"),
            ("AWS::ApiGatewayV2::Api", "ApiId") => physical.clone(),
            _ => return None,
        })
    }

    /// `value` with every `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
    /// `Fn::Select` and `Fn::Split` replaced by what it stands for.
    pub fn resolve(&self, template: &Json, value: &Json, at: &str) -> Result<Json, PrincipalError> {
        let unresolved = |what: String| PrincipalError::Unresolved {
            at: at.to_owned(),
            what,
        };
        match value {
            Json::Array(items) => items
                .iter()
                .map(|v| self.resolve(template, v, at))
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array),
            Json::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().ok_or_else(|| unresolved("{}".into()))?;
                match key.as_str() {
                    "Ref" => {
                        let id = arg.as_str().unwrap_or_default();
                        self.reference(template, id)
                            .map(Json::String)
                            .ok_or_else(|| unresolved(format!("Ref {id}")))
                    }
                    "Fn::GetAtt" => {
                        let (id, attr) = get_att_parts(arg)
                            .ok_or_else(|| unresolved(format!("Fn::GetAtt {arg}")))?;
                        self.attribute_of(template, &id, &attr)
                            .map(Json::String)
                            .ok_or_else(|| unresolved(format!("Fn::GetAtt {id}.{attr}")))
                    }
                    "Fn::Sub" => self.sub(template, arg, at).map(Json::String),
                    "Fn::Join" => {
                        let sep = arg[0].as_str().unwrap_or_default();
                        let items = self.resolve(template, &arg[1], at)?;
                        let parts: Option<Vec<&str>> = items
                            .as_array()
                            .map(|a| a.iter().map(Json::as_str).collect())
                            .unwrap_or(None);
                        parts
                            .map(|p| Json::String(p.join(sep)))
                            .ok_or_else(|| unresolved(format!("Fn::Join {arg}")))
                    }
                    "Fn::Split" => {
                        let sep = arg[0].as_str().unwrap_or_default();
                        let text = self.resolve(template, &arg[1], at)?;
                        let text = text
                            .as_str()
                            .ok_or_else(|| unresolved(format!("Fn::Split {arg}")))?;
                        Ok(Json::Array(
                            text.split(sep).map(|s| Json::String(s.into())).collect(),
                        ))
                    }
                    "Fn::Select" => {
                        let index = arg[0]
                            .as_u64()
                            .or_else(|| arg[0].as_str().and_then(|s| s.parse().ok()))
                            .ok_or_else(|| unresolved(format!("Fn::Select {arg}")))?;
                        let list = self.resolve(template, &arg[1], at)?;
                        usize::try_from(index)
                            .ok()
                            .and_then(|i| list.get(i).cloned())
                            .ok_or_else(|| unresolved(format!("Fn::Select {arg}")))
                    }
                    other if other.starts_with("Fn::") || other == "Condition" => {
                        Err(unresolved(format!("{other} (not modelled)")))
                    }
                    _ => self.resolve_object(template, map, at),
                }
            }
            Json::Object(map) => self.resolve_object(template, map, at),
            other => Ok(other.clone()),
        }
    }

    fn resolve_object(
        &self,
        template: &Json,
        map: &Map<String, Json>,
        at: &str,
    ) -> Result<Json, PrincipalError> {
        let mut out = Map::new();
        for (k, v) in map {
            out.insert(k.clone(), self.resolve(template, v, at)?);
        }
        Ok(Json::Object(out))
    }

    fn sub(&self, template: &Json, arg: &Json, at: &str) -> Result<String, PrincipalError> {
        let (text, vars) = match arg {
            Json::String(s) => (s.as_str(), Map::new()),
            Json::Array(a) => (
                a.first().and_then(Json::as_str).unwrap_or_default(),
                a.get(1)
                    .and_then(Json::as_object)
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => ("", Map::new()),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| PrincipalError::Unresolved {
                at: at.to_owned(),
                what: format!("Fn::Sub {text}"),
            })?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                let v = self.resolve(template, v, at)?;
                out.push_str(v.as_str().unwrap_or_default());
            } else if let Some((id, attr)) = name.split_once('.') {
                let v = self.attribute_of(template, id, attr).ok_or_else(|| {
                    PrincipalError::Unresolved {
                        at: at.to_owned(),
                        what: format!("${{{name}}} in Fn::Sub"),
                    }
                })?;
                out.push_str(&v);
            } else {
                let v =
                    self.reference(template, name)
                        .ok_or_else(|| PrincipalError::Unresolved {
                            at: at.to_owned(),
                            what: format!("${{{name}}} in Fn::Sub"),
                        })?;
                out.push_str(&v);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn get_att_parts(arg: &Json) -> Option<(String, String)> {
    match arg {
        Json::Array(a) => Some((a.first()?.as_str()?.into(), a.get(1)?.as_str()?.into())),
        Json::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
        _ => None,
    }
}

/// One role of the template, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Role {
    /// Its logical ID.
    pub logical_id: String,
    /// Its identity policies, resolved.
    pub policies: Vec<Policy>,
    /// Its permissions boundary, when it has one.
    pub boundary: Option<Vec<Policy>>,
    /// Managed policies it carries whose documents are unknown here.
    pub unmodelled: Vec<String>,
}

/// Every `AWS::IAM::Role` of `template`, by logical ID.
pub fn roles(
    template: &Json,
    deployment: &Deployment,
) -> Result<BTreeMap<String, Role>, PrincipalError> {
    role_ids(template)
        .into_iter()
        .map(|id| Ok((id.clone(), role(template, deployment, &id)?)))
        .collect()
}

/// The logical IDs of `template`'s roles.
pub fn role_ids(template: &Json) -> Vec<String> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::IAM::Role")
        .map(|(id, _)| id.clone())
        .collect()
}

/// The role `id` of `template`: only what its policies name needs to be
/// resolvable.
pub fn role(template: &Json, deployment: &Deployment, id: &str) -> Result<Role, PrincipalError> {
    let resources = template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let resource = &template["Resources"][id];
    if resource["Type"] != "AWS::IAM::Role" {
        return Err(PrincipalError::Unresolved {
            at: id.to_owned(),
            what: "a role of that logical ID (the template has none)".into(),
        });
    }
    let props = &resource["Properties"];
    let mut policies = Vec::new();
    for inline in props["Policies"].as_array().into_iter().flatten() {
        let name = inline["PolicyName"].as_str().unwrap_or("inline");
        let at = format!("{id}.Policies.{name}");
        let doc = deployment.resolve(template, &inline["PolicyDocument"], &at)?;
        policies.push(Policy::parse(format!("{id}/{name}"), &doc)?);
    }
    let mut unmodelled = Vec::new();
    let mut managed: BTreeSet<String> = BTreeSet::new();
    for arn in props["ManagedPolicyArns"].as_array().into_iter().flatten() {
        // A `Ref` to a managed policy of this template names it directly.
        if let Some(target) = arn.get("Ref").and_then(Json::as_str) {
            if resources
                .get(target)
                .is_some_and(|r| r["Type"] == "AWS::IAM::ManagedPolicy")
            {
                managed.insert(target.to_owned());
                continue;
            }
        }
        let arn = deployment.resolve(template, arn, &format!("{id}.ManagedPolicyArns"))?;
        let arn = arn.as_str().unwrap_or_default().to_owned();
        match deployment.managed_policies.get(&arn) {
            Some(doc) => policies.push(Policy::parse(arn.clone(), doc)?),
            None => unmodelled.push(arn),
        }
    }
    // Policies that name the role.
    for (pid, policy) in &resources {
        let kind = policy["Type"].as_str().unwrap_or_default();
        let names_role = |p: &Json| {
            p["Roles"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r.get("Ref").and_then(Json::as_str) == Some(id))
                || p["RoleName"].get("Ref").and_then(Json::as_str) == Some(id)
        };
        let p = &policy["Properties"];
        let attached = match kind {
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => names_role(p),
            "AWS::IAM::ManagedPolicy" => names_role(p) || managed.contains(pid),
            _ => false,
        };
        if attached {
            let doc = deployment.resolve(template, &p["PolicyDocument"], pid)?;
            policies.push(Policy::parse(pid.clone(), &doc)?);
        }
    }
    let boundary = match &props["PermissionsBoundary"] {
        Json::Null => None,
        value => {
            // A `Ref` to a managed policy of this template, or an ARN
            // whose document the deployment supplies.
            let local = value
                .get("Ref")
                .and_then(Json::as_str)
                .and_then(|target| Some((target, resources.get(target)?)));
            match local {
                Some((target, policy)) => {
                    let doc = deployment.resolve(
                        template,
                        &policy["Properties"]["PolicyDocument"],
                        target,
                    )?;
                    Some(vec![Policy::parse(target.to_owned(), &doc)?])
                }
                None => {
                    let at = format!("{id}.PermissionsBoundary");
                    let arn = deployment.resolve(template, value, &at)?;
                    let arn = arn.as_str().unwrap_or_default().to_owned();
                    match deployment.managed_policies.get(&arn) {
                        Some(doc) => Some(vec![Policy::parse(arn, doc)?]),
                        None => {
                            unmodelled.push(format!("{arn} (permissions boundary)"));
                            None
                        }
                    }
                }
            }
        }
    };
    Ok(Role {
        logical_id: id.to_owned(),
        policies,
        boundary,
        unmodelled,
    })
}

/// The role of each `AWS::Lambda::Function` of `template` (function logical
/// ID → role logical ID), where the role is one of the template's.
pub fn function_roles(template: &Json) -> BTreeMap<String, String> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
        .filter_map(|(id, r)| {
            let role = get_att_parts(r["Properties"]["Role"].get("Fn::GetAtt")?)?.0;
            Some((id.clone(), role))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Json {
        json!({
            "Parameters": {"Bucket": {"Type": "String", "Default": "artifacts"}},
            "Resources": {
                "Totals": {"Type": "AWS::DynamoDB::Table"},
                "Queue": {"Type": "AWS::SQS::Queue"},
                "Fn": {"Type": "AWS::Lambda::Function",
                       "Properties": {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}}},
                "FnRole": {"Type": "AWS::IAM::Role", "Properties": {
                    "Path": "/app/",
                    "PermissionsBoundary": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/app-boundary"},
                    "Policies": [{"PolicyName": "Grants", "PolicyDocument": {"Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:GetItem",
                         "Resource": [{"Fn::GetAtt": ["Totals", "Arn"]},
                                      {"Fn::Sub": "${Totals.Arn}/index/*"}]},
                        {"Effect": "Allow", "Action": "sqs:SendMessage",
                         "Resource": {"Fn::GetAtt": "Queue.Arn"}},
                        {"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Bucket"}, "/*"]]}},
                        {"Effect": "Allow", "Action": "dynamodb:GetRecords",
                         "Resource": {"Fn::GetAtt": ["Totals", "StreamArn"]}}
                    ]}}]
                }}
            }
        })
    }

    #[test]
    fn roles_resolve_to_physical_names() {
        let deployment = Deployment::new(Place::new("aws", "us-east-1", "111122223333"), "s")
            .physical("Totals", "s-Totals-1")
            .physical("Queue", "http://127.0.0.1:5000/111122223333/s-Queue-2")
            .physical("FnRole", "s-FnRole-3")
            .attribute(
                "Totals",
                "StreamArn",
                "arn:aws:dynamodb:us-east-1:111122223333:table/s-Totals-1/stream/x",
            )
            .managed_policy(
                "arn:aws:iam::111122223333:policy/app-boundary",
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
            );
        let roles = roles(&template(), &deployment).expect("resolves");
        let role = &roles["FnRole"];
        assert!(role.boundary.is_some());
        assert!(role.unmodelled.is_empty());
        let statements = role.policies[0].statements();
        assert_eq!(
            statements[0].json()["Resource"],
            json!([
                "arn:aws:dynamodb:us-east-1:111122223333:table/s-Totals-1",
                "arn:aws:dynamodb:us-east-1:111122223333:table/s-Totals-1/index/*"
            ])
        );
        assert_eq!(
            statements[1].json()["Resource"],
            "arn:aws:sqs:us-east-1:111122223333:s-Queue-2"
        );
        assert_eq!(statements[2].json()["Resource"], "arn:aws:s3:::artifacts/*");
        assert_eq!(function_roles(&template())["Fn"], "FnRole");
    }

    #[test]
    fn what_cannot_be_resolved_is_named() {
        let deployment = Deployment::new(Place::new("aws", "us-east-1", "1"), "s")
            .physical("Totals", "t")
            .physical("Queue", "q");
        let err = roles(&template(), &deployment).expect_err("no stream ARN");
        assert_eq!(
            err.to_string(),
            "FnRole.Policies.Grants: cannot resolve Fn::GetAtt Totals.StreamArn"
        );
    }

    #[test]
    fn an_unknown_boundary_is_unmodelled_not_ignored() {
        let deployment = Deployment::new(Place::new("aws", "us-east-1", "1"), "s")
            .physical("Totals", "t")
            .physical("Queue", "q")
            .attribute("Totals", "StreamArn", "arn:s");
        let roles = roles(&template(), &deployment).expect("resolves");
        assert_eq!(
            roles["FnRole"].unmodelled,
            ["arn:aws:iam::1:policy/app-boundary (permissions boundary)"]
        );
    }
}
