// Starting the processes of a distributed job (`torchrun`), through Open MPI's `mpirun`.
import Foundation

extension Distributed {
    /// The `mpirun` arguments that start `processes` copies of `program` on this machine, each with torchrun's rank
    /// environment (`RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE`) taken from Open MPI's. More processes than
    /// cores are allowed (`--oversubscribe`); `--allow-run-as-root` is added only for root, whom mpirun refuses otherwise;
    /// `OMP_NUM_THREADS` is passed on to every rank.
    public static func launchArguments(processes: Int, program: String, arguments: [String],
                                       runningAsRoot: Bool = geteuid() == 0) -> [String] {
        let rankEnvironment = "RANK=$OMPI_COMM_WORLD_RANK WORLD_SIZE=$OMPI_COMM_WORLD_SIZE LOCAL_RANK=$OMPI_COMM_WORLD_LOCAL_RANK "
            + "LOCAL_WORLD_SIZE=$OMPI_COMM_WORLD_LOCAL_SIZE exec \"$0\" \"$@\""
        return ["-n", "\(processes)", "--oversubscribe", "-x", "OMP_NUM_THREADS"] + (runningAsRoot ? ["--allow-run-as-root"] : [])
            + ["/bin/sh", "-c", rankEnvironment, program] + arguments
    }

    /// Runs `processes` copies of `program` with `arguments` through `mpirun` (`ember launch`), their output going
    /// where this process's goes, and returns mpirun's exit status: 0 when every rank succeeded. When a rank fails,
    /// mpirun stops the others. Unless `OMP_NUM_THREADS` is set, each rank computes on its share of this machine's
    /// cores (at least one thread). Throws when `mpirun` cannot be found or started.
    public static func launch(processes: Int, program: String, arguments: [String],
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int32 {
        guard processes >= 1 else { throw DistributedError.launch("the number of processes must be at least 1 (got \(processes))") }
        guard let mpirun = executablePath("mpirun", environment: environment) else {
            throw DistributedError.unavailable(backend: "MPI", reason: "mpirun is not on the PATH (install Open MPI: Debian's "
                                               + "openmpi-bin and libopenmpi3)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = launchArguments(processes: processes, program: program, arguments: arguments)
        var environment = environment
        if environment["OMP_NUM_THREADS"] == nil {
            environment["OMP_NUM_THREADS"] = "\(max(1, ProcessInfo.processInfo.activeProcessorCount / processes))"
        }
        process.environment = environment
        do {
            try process.run()
        } catch {
            throw DistributedError.launch("could not start \(mpirun): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The first executable file named `name` in the folders of `PATH`.
    private static func executablePath(_ name: String, environment: [String: String]) -> String? {
        (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
