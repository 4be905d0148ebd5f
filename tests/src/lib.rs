//! Helpers shared by the end-to-end suites: spawn_server(), launch_app().
