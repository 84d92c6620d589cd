/// The systemd unit for the exporter at `binary`, listening on `listen`,
/// with its pid file at `pid_file`.
///
/// ```
/// let unit = examples::steps::systemd_unit(
///     "/usr/local/bin/demo-exporter",
///     "127.0.0.1:9100".parse().unwrap(),
///     "/run/demo-exporter.pid",
/// );
/// assert!(unit.contains(
///     "ExecStart=/usr/local/bin/demo-exporter --listen 127.0.0.1:9100 --pid-file /run/demo-exporter.pid\n"
/// ));
/// ```
pub fn systemd_unit(binary: &str, listen: std::net::SocketAddr, pid_file: &str) -> String {
    format!(
        "[Unit]\n\
         Description=Demo Prometheus exporter\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={binary} --listen {listen} --pid-file {pid_file}\n\
         PIDFile={pid_file}\n\
         Restart=on-failure\n\
         NoNewPrivileges=yes\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n"
    )
}
