//! Local emulation, driven by any template.
//!
//! moto's CloudFormation creates most resources but cannot run some:
//! [`emulate::for_emulator`] takes those out of a rendered template (API
//! Gateway v2, CloudFront, event source mappings) and turns every
//! reference to them into a placeholder that [`emulate::resolve_placeholders`]
//! later fills with what is served in their place; [`topology::of`] reads
//! what to serve from the typed template: the APIs and their routes, the
//! event sources, and each distribution's behaviours, origins and response
//! headers. No application knowledge, no printing.

pub mod emulate;
pub mod topology;
