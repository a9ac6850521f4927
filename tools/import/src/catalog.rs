//! The generated API the importer writes against: each resource type's
//! model (its constructor, setters, property types and attribute
//! accessors) as codegen builds it from the vendored schemas, read one
//! service at a time when a template first names it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use infra_codegen::model::ResourceModel;
use infra_codegen::services;

use crate::ImportError;

/// The models of the services a template has used so far.
pub(crate) struct Catalog {
    root: PathBuf,
    /// The vendored services, read once.
    known: Option<Vec<String>>,
    /// Service module → its types' models.
    services: BTreeMap<String, Vec<ResourceModel>>,
}

/// Where a generated type lives.
pub(crate) struct TypeRef<'a> {
    /// The service module and cargo feature (`sqs`).
    pub feature: String,
    /// The type's module path from `infra::aws` (`sqs::queue`).
    pub module_path: String,
    /// Its resource struct's path from `infra::aws` (`sqs::Queue`).
    pub struct_path: String,
    pub model: &'a ResourceModel,
}

impl Catalog {
    pub(crate) fn new(root: PathBuf) -> Self {
        Catalog {
            root,
            known: None,
            services: BTreeMap::new(),
        }
    }

    /// Reads the models of `type_name`'s service, once.
    pub(crate) fn load(&mut self, type_name: &str) -> Result<(), ImportError> {
        let Some(prefix) = services::prefix_of(type_name) else {
            return Ok(());
        };
        let module = services::module_name(prefix);
        if !self.services.contains_key(&module) {
            if self.known.is_none() {
                self.known = Some(infra_codegen::schema::vendored_services(&self.root)?);
            }
            let vendored = self.known.as_ref().is_some_and(|k| k.contains(&module));
            let models = if vendored {
                infra_codegen::service_models(&self.root, &module)?
            } else {
                Vec::new()
            };
            self.services.insert(module, models);
        }
        Ok(())
    }

    /// The generated type of `type_name`, if infra has one (after [`Catalog::load`]).
    pub(crate) fn lookup(&self, type_name: &str) -> Option<TypeRef<'_>> {
        let module = services::module_name(services::prefix_of(type_name)?);
        let service = infra_codegen::module_ident(&module);
        self.services
            .get(&module)?
            .iter()
            .find(|m| m.type_name == type_name)
            .map(|model| TypeRef {
                module_path: format!("{service}::{}", infra_codegen::module_ident(&model.module)),
                struct_path: format!("{service}::{}", model.resource.name),
                feature: module.clone(),
                model,
            })
    }
}
