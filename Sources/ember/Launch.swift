// `ember launch`: runs a program on several processes with Open MPI, as `torchrun` does for PyTorch.
import ArgumentParser
import Ember

struct Launch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a program on several processes (mpirun), each told its rank as torchrun tells it.",
        discussion: """
            Each process gets RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE and joins the others with \
            Distributed.initProcessGroup(backend: .mpi). When a process fails, mpirun stops the others; the exit \
            status is mpirun's.
            """
    )

    @Option(name: [.customShort("n"), .customLong("nproc")], help: "The number of processes.") var processes = 1
    @Argument(help: "The program to run.") var program: String
    @Argument(parsing: .captureForPassthrough, help: "Its arguments.") var arguments: [String] = []

    func validate() throws {
        guard processes >= 1 else { throw ValidationError("-n must be at least 1 (got \(processes))") }
    }

    func run() throws {
        let status = try Distributed.launch(processes: processes, program: program, arguments: arguments)
        if status != 0 { throw ExitCode(status) }
    }
}
