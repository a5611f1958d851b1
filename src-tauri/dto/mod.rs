//! The wire types: every shape the window receives or sends over IPC, and their conversions from engine types.
//!
//! Field names and tags are the UI's contract (`ui/src/ipc.ts`): change them
//! only together with it.

mod heatmap;
mod library;
mod models;
mod search;

pub use heatmap::{MatrixDto, MatrixItemDto, RegionDto};
pub use library::{
    progress_event, summary_dto, AppInfoDto, CameraDto, FailureDto, IndexEvent, StatusDto, SummaryDto, TextStatusDto,
    WatchDto,
};
pub use models::{
    CompareDto, DeviceDto, LibModelDto, ModelEntryDto, ModelsDto, PullEventDto, QualityDto, RunDto, ScoresDto,
    SwitchDto,
};
pub use search::{
    HitDto, ItemTextDto, MomentDto, MonthDto, OutlineDto, PartDto, SearchDto, SyntaxDto, TagDto, TextWordDto, WhyDto,
};
