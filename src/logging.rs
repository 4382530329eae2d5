//! The log subscriber `casegraph serve` installs: `text` (colour only on a terminal) or `json`
//! (one object per line, with the request span's fields — its server-made ID among them — on
//! every line of a request). Built here so that tests install the same one.
use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Json => Box::new(fmt.json().with_current_span(true).with_span_list(false).finish()),
        LogFormat::Text => Box::new(fmt.with_ansi(ansi).finish()),
    }
}
