//! A monthly cost estimate: a dated price table ([`PriceTable`], read from
//! TOML) times monthly quantities ([`Usage`]), each quantity with the
//! reason it is what it is ([`Basis`]). Every line is rounded to a
//! hundredth of a cent first, so the lines add up to each service's row and
//! the rows to the total exactly, as printed.
//!
//! Nothing here knows an application: the caller says what a month uses.

mod estimate;
mod prices;

pub use estimate::{estimate, group, Basis, Estimate, Item, Line, Money, ServiceTotal, Usage};
pub use prices::{Price, PriceTable};

/// What can go wrong reading prices or estimating.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    /// The price table could not be read.
    #[error("cannot read the price table {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The price table is not valid TOML of the expected shape.
    #[error("the price table {path} is malformed")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A price the table holds makes no sense.
    #[error("price `{id}` in {path}: {problem}")]
    BadPrice {
        /// The file.
        path: String,
        /// The price's key.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// A usage line names a price the table does not hold.
    #[error("no price `{id}` in the price table (it holds: {known}); add it to the table with its source")]
    UnknownPrice {
        /// The missing key.
        id: String,
        /// The keys the table holds.
        known: String,
    },
    /// A quantity is negative or not a number.
    #[error("the quantity of `{id}` is {quantity}; quantities are finite and at least 0")]
    BadQuantity {
        /// The price's key.
        id: String,
        /// The quantity.
        quantity: f64,
    },
}
