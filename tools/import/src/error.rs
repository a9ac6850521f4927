//! Why a template cannot be imported, each naming the place in the template.

/// An import failure.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The vendored schemas could not be read.
    #[error(transparent)]
    Codegen(#[from] infra_codegen::CodegenError),
    /// The document is not a template (the same errors `Template::from_document` gives).
    #[error(transparent)]
    Parse(#[from] infra::ParseError),
    /// Something in the template is not what CloudFormation takes there.
    #[error("{place}: {problem}")]
    Invalid {
        /// Where (`Resources.Queue.DependsOn`).
        place: String,
        /// What is wrong and what it should be.
        problem: String,
    },
    /// AWS's SAM transform could not be run.
    #[error("expanding the SAM template: {0}")]
    Sam(String),
    /// AWS's SAM transform rejected the template.
    #[error("the SAM transform rejects the template:\n{0}")]
    SamRejected(String),
    /// Resources (or conditions) that need each other's handles, or one
    /// its own: no order builds them.
    #[error("{what} {names} refer to each other (or one to itself) in a cycle: CloudFormation rejects the template too")]
    Cycle {
        /// `resources` or `conditions`.
        what: &'static str,
        /// Those left when no other could be written.
        names: String,
    },
}

impl ImportError {
    pub(crate) fn invalid(place: impl Into<String>, problem: impl Into<String>) -> Self {
        ImportError::Invalid {
            place: place.into(),
            problem: problem.into(),
        }
    }
}
