// Distributed training on Open MPI and NCCL: the tests start real MPI jobs of this test program (`mpirun`, through
// Ember's launcher), whose worker tests run on every rank and check each collective against its definition; on
// NCCL, each rank runs on a fake GPU (Fixtures/FakeCUDA) with the fake NCCL.
@testable import Ember
import EmberVision
import Foundation
import OrderedCollections
import XCTest

final class DistributedTests: XCTestCase {
    // MARK: Without MPI

    func testCollectivesBeforeInitThrowAndTheNCCLBackendSaysWhyItIsMissing() throws {
        try XCTSkipIf(Distributed.isInitialized, "a process group runs in this process")
        XCTAssertThrowsError(try Distributed.allReduce(Tensor([1.0]))) { error in
            XCTAssertEqual(error as? DistributedError, .notInitialized)
            XCTAssertTrue("\(error)".contains("Default process group has not been initialized"), "\(error)")
        }
        XCTAssertThrowsError(try Distributed.barrier()) { XCTAssertEqual($0 as? DistributedError, .notInitialized) }
        XCTAssertThrowsError(try Distributed.destroyProcessGroup()) { XCTAssertEqual($0 as? DistributedError, .notInitialized) }
        XCTAssertThrowsError(try Distributed.initProcessGroup(backend: .nccl)) { error in
            guard case DistributedError.unavailable(let backend, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(backend, "NCCL")
            XCTAssertTrue("\(error)".hasPrefix("NCCL is not available: "), "\(error)")
        }
        XCTAssertFalse(Distributed.isInitialized)
    }

    func testTheLauncherStartsEachRankWithTorchrunsEnvironment() {
        let asUser = Distributed.launchArguments(processes: 4, program: "/bin/train", arguments: ["--epochs", "2"], runningAsRoot: false)
        XCTAssertEqual(Array(asUser.prefix(5)), ["-n", "4", "--oversubscribe", "-x", "OMP_NUM_THREADS"])
        XCTAssertFalse(asUser.contains("--allow-run-as-root"))
        XCTAssertEqual(Array(asUser.suffix(3)), ["/bin/train", "--epochs", "2"])
        let script = asUser[asUser.firstIndex(of: "-c")! + 1]
        for variable in ["RANK=$OMPI_COMM_WORLD_RANK", "WORLD_SIZE=$OMPI_COMM_WORLD_SIZE", "LOCAL_RANK=$OMPI_COMM_WORLD_LOCAL_RANK",
                         "LOCAL_WORLD_SIZE=$OMPI_COMM_WORLD_LOCAL_SIZE"] {
            XCTAssertTrue(script.contains(variable), script)
        }
        let asRoot = Distributed.launchArguments(processes: 2, program: "p", arguments: [], runningAsRoot: true)
        XCTAssertEqual(asRoot.filter { $0 == "--allow-run-as-root" }.count, 1)
        XCTAssertThrowsError(try Distributed.launch(processes: 0, program: "/bin/true", arguments: []))
        XCTAssertThrowsError(try Distributed.launch(processes: 2, program: "/bin/true", arguments: [], environment: ["PATH": "/nonexistent"])) {
            XCTAssertTrue("\($0)".hasPrefix("MPI is not available: mpirun is not on the PATH"), "\($0)")
        }
    }

    func testLargeMessagesAreSplitIntoMPICounts() {
        XCTAssertTrue(MPIProcessGroup.messageChunks(0).isEmpty)
        XCTAssertEqual(MPIProcessGroup.messageChunks(5).map { [$0.start, Int($0.count)] }, [[0, 5]])
        let big = Int(Int32.max) * 2 + 3
        XCTAssertEqual(MPIProcessGroup.messageChunks(big).map { [$0.start, Int($0.count)] },
                       [[0, Int(Int32.max)], [Int(Int32.max), Int(Int32.max)], [2 * Int(Int32.max), 3]])
    }

    /// The buckets of `dist._compute_bucket_assignment_by_size(params[::-1], [1 << 20, 2 << 20], …)` in PyTorch 2.15 for
    /// these parameters (elements and dtype), mapped back to the parameters' indices.
    func testGradientBucketsAreAssignedAsPyTorchAssignsThem() {
        let parameters = [(100_000, DType.float32), (300_000, .float32), (10, .float64), (200_000, .float32), (50_000, .float64),
                          (400_000, .float32), (5, .float32)].map { Tensor.zeros([$0.0], dtype: $0.1) }
        XCTAssertEqual(GradientReducer.bucketAssignment(parameters, capBytes: 2 << 20), [[6, 5], [4, 2], [3, 1, 0]])
        XCTAssertEqual(GradientReducer.bucketAssignment(parameters, capBytes: 25 << 20), [[6, 5], [4, 2], [3, 1, 0]])
        XCTAssertEqual(GradientReducer.bucketAssignment(parameters.prefix(1).map { $0 }, capBytes: 1), [[0]])
    }

    // MARK: MPI jobs

    func testEveryCollectiveOnThreeRanks() throws {
        try assertEveryRankPasses(3, "testCollectivesWorker") { "collectives passed on rank \($0) of 3 (mpi)" }
    }

    /// Runs on each rank of `testEveryCollectiveOnThreeRanks`.
    func testCollectivesWorker() throws {
        try joinAsWorker()
        let rank = Distributed.rank, size = Distributed.worldSize
        let environment = ProcessInfo.processInfo.environment
        XCTAssertEqual(environment["RANK"], "\(rank)")
        XCTAssertEqual(environment["WORLD_SIZE"], "\(size)")
        XCTAssertEqual(Distributed.localRank, rank)
        XCTAssertThrowsError(try Distributed.initProcessGroup()) { XCTAssertEqual($0 as? DistributedError, .alreadyInitialized) }
        let sampler = DistributedSampler(count: 10)
        XCTAssertEqual([sampler.numReplicas, sampler.rank], [size, rank])
        let r = Double(rank), ranks = (0..<size).map(Double.init)
        let device = workerDevice

        // allReduce: each op, float and integer dtypes, the ones MPI cannot reduce directly, asynchronously.
        func fold(_ values: [Double], _ op: Distributed.ReduceOp) -> Double {
            switch op {
            case .sum: return values.reduce(0, +)
            case .product: return values.reduce(1, *)
            case .min: return values.min()!
            case .max: return values.max()!
            case .average: return values.reduce(0, +) / Double(values.count)
            }
        }
        for op in [Distributed.ReduceOp.sum, .product, .min, .max, .average] {
            let expected = [fold(ranks.map { $0 + 1 }, op), fold(ranks.map { -($0 + 1) }, op)]
            for dtype in [DType.float32, .float64, .float16, .bfloat16] {
                let tensor = Tensor([r + 1, -(r + 1)]).to(dtype).to(device)
                try Distributed.allReduce(tensor, op: op)
                XCTAssertEqual(tensor.dtype, dtype)
                XCTAssertEqual(tensor.to(.float64).toArray(as: Double.self), expected, "\(op) \(dtype)")
            }
        }
        for dtype in [DType.int64, .int32, .int8, .uint8] {
            let tensor = Tensor([Int64(rank + 1), 7]).to(dtype).to(device)
            try Distributed.allReduce(tensor, op: .average)
            XCTAssertEqual(tensor.to(.int64).toArray(as: Int64.self), [Int64(size + 1) / 2, 7], "\(dtype)")
            let sum = Tensor([Int64(rank + 1)]).to(dtype).to(device)
            try Distributed.allReduce(sum)
            XCTAssertEqual(sum.to(.int64).toArray(as: Int64.self), [Int64(size * (size + 1) / 2)], "\(dtype)")
        }
        // Complex tensors reduce as their real and imaginary parts.
        let complex = Tensor.complex(Tensor([r, 1]), Tensor([-r, 2])).to(device)
        try Distributed.allReduce(complex, op: .average)
        XCTAssertEqual(complex.viewAsReal().toArray(as: Double.self),
                       [ranks.reduce(0, +) / Double(size), -ranks.reduce(0, +) / Double(size), 1, 2])
        let flags = Tensor([rank == 0, rank >= 0, false]).to(device)
        let anyFlag = flags.clone(), allFlags = flags.clone()
        try Distributed.allReduce(anyFlag, op: .sum)
        try Distributed.allReduce(allFlags, op: .product)
        XCTAssertEqual(anyFlag.toArray(as: Bool.self), [true, true, false])
        XCTAssertEqual(allFlags.toArray(as: Bool.self), [size == 1, true, false])
        let big = Tensor.full([1 << 20], r, device: device)
        let bigWork = try Distributed.allReduce(big, asyncOp: true)
        let small = Tensor([r]).to(device)
        let smallWork = try Distributed.allReduce(small, op: .max, asyncOp: true)
        try smallWork.wait()
        try bigWork.wait()
        XCTAssertTrue(bigWork.isCompleted)
        XCTAssertEqual(big.min().item(), ranks.reduce(0, +))
        XCTAssertEqual(big.max().item(), ranks.reduce(0, +))
        XCTAssertEqual(small.item(), Double(size - 1))

        // broadcast from the last rank, of a tensor that requires grad (as DistributedDataParallel's parameters do).
        let source = size - 1
        let weights = (rank == source ? Tensor([[1.5, 2.5], [3.5, 4.5]]) : Tensor.zeros([2, 2], dtype: .float64)).to(device).requiresGrad_()
        let version = weights.version
        try Distributed.broadcast(weights, src: source)
        XCTAssertEqual(weights.toArray(as: Double.self), [1.5, 2.5, 3.5, 4.5])
        XCTAssertGreaterThan(weights.version, version)

        // allGather, allGatherIntoTensor.
        let mine = Tensor([Int64(rank), Int64(rank * 10)]).to(device)
        let list = (0..<size).map { _ in Tensor.zeros([2], dtype: .int64, device: device) }
        try Distributed.allGather(list, mine)
        XCTAssertEqual(list.map { $0.toArray(as: Int64.self) }, (0..<size).map { [Int64($0), Int64($0 * 10)] })
        let joined = Tensor.zeros([size, 2], dtype: .int64, device: device)
        try Distributed.allGatherIntoTensor(joined, mine)
        XCTAssertEqual(joined.toArray(as: Int64.self), (0..<size).flatMap { [Int64($0), Int64($0 * 10)] })

        // reduceScatter: rank q sends q * 10 + p to rank p, which receives their sum.
        let parts = (0..<size).map { Tensor([r * 10 + Double($0), 1]).to(device) }
        let received = Tensor.zeros([2], dtype: .float64, device: device)
        try Distributed.reduceScatter(received, parts)
        XCTAssertEqual(received.toArray(as: Double.self), [10 * ranks.reduce(0, +) + Double(size) * r, Double(size)])
        let whole = Tensor((0..<size).flatMap { [r * 10 + Double($0), 1] }, shape: [size, 2]).to(device)
        let share = Tensor.zeros([1, 2], dtype: .float64, device: device)
        try Distributed.reduceScatterTensor(share, whole, op: .max)
        XCTAssertEqual(share.toArray(as: Double.self), [10 * Double(size - 1) + r, 1])

        // gather to rank 0, scatter from the last rank.
        let gathered = rank == 0 ? (0..<size).map { _ in Tensor.zeros([3], dtype: .float16, device: device) } : nil
        try Distributed.gather(Tensor([r, r + 0.5, -r]).to(.float16).to(device), gatherList: gathered, dst: 0)
        if let gathered {
            XCTAssertEqual(gathered.map { $0.to(.float64).toArray(as: Double.self) }, ranks.map { [$0, $0 + 0.5, -$0] })
        }
        let slot = Tensor.zeros([2], dtype: .int32, device: device)
        let pieces = rank == source ? (0..<size).map { Tensor([Int32($0), Int32($0 * $0)]).to(device) } : nil
        try Distributed.scatter(slot, scatterList: pieces, src: source)
        XCTAssertEqual(slot.toArray(as: Int32.self), [Int32(rank), Int32(rank * rank)])

        try Distributed.barrier()
        try Distributed.barrier(asyncOp: true).wait()
        if workerBackend == .nccl {
            // The collectives went through NCCL: the fake library counts its calls.
            let nccl = try XCTUnwrap(dlopen(try NCCLLibrary.shared.get().library.path, RTLD_NOW | RTLD_NOLOAD))
            typealias Last = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int>,
                                             UnsafeMutablePointer<Int32>) -> Void
            var (type, op, count, calls): (Int32, Int32, Int, Int32) = (0, 0, 0, 0)
            unsafeBitCast(dlsym(nccl, "fake_nccl_last"), to: Last.self)(&type, &op, &count, &calls)
            XCTAssertGreaterThan(calls, 40)
        }
        print("collectives passed on rank \(rank) of \(size) (\(Distributed.backend.rawValue))")
        try Distributed.destroyProcessGroup()
        XCTAssertFalse(Distributed.isInitialized)
        XCTAssertThrowsError(try Distributed.initProcessGroup()) { error in
            XCTAssertTrue("\(error)".contains("cannot start twice"), "\(error)")
        }
    }

    func testACollectiveARankNeverJoinsTimesOutAndBreaksTheGroup() throws {
        let start = Date()
        let run = try launchWorkers(2, "testTimeoutWorker")
        XCTAssertTrue(run.output.contains("rank 0 timed out as expected"), run.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, run.output)
    }

    /// Runs on each rank of `testACollectiveARankNeverJoinsTimesOutAndBreaksTheGroup`: rank 1 never calls the
    /// collective rank 0 waits for.
    func testTimeoutWorker() throws {
        try joinAsWorker(timeout: 2)
        guard Distributed.rank == 0 else {
            sleep(6)
            exit(0)
        }
        XCTAssertThrowsError(try Distributed.allReduce(Tensor([1.0]))) { error in
            XCTAssertEqual(error as? DistributedError, .timeout(operation: "Distributed.allReduce", seconds: 2))
            XCTAssertTrue("\(error)".contains("another rank died, hung or did not call it"), "\(error)")
        }
        XCTAssertThrowsError(try Distributed.barrier()) { error in
            guard case DistributedError.broken(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("did not complete within"), reason)
        }
        print("rank 0 timed out as expected")
        exit(0)
    }

    func testARankThatIsKilledStopsTheOthersAtOnce() throws {
        let start = Date()
        let run = try launchWorkers(2, "testDyingRankWorker", environment: ["EMBER_DYING_RANK": "kill"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("exited on signal 9"), run.output)
        XCTAssertFalse(run.output.contains("rank 0 finished"), run.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, run.output)
    }

    func testARankThatExitsWhileTheOthersWaitStopsThemWithinTheTimeout() throws {
        let start = Date()
        let run = try launchWorkers(2, "testDyingRankWorker", environment: ["EMBER_DYING_RANK": "exit"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertFalse(run.output.contains("rank 0 finished"), run.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, run.output)
    }

    /// Runs on each rank of the two tests above: rank 1 is killed, or exits with status 3, while rank 0 waits for it.
    func testDyingRankWorker() throws {
        let killed = ProcessInfo.processInfo.environment["EMBER_DYING_RANK"] == "kill"
        try joinAsWorker(timeout: killed ? 600 : 4)
        if Distributed.rank == 1 {
            if killed { kill(getpid(), SIGKILL) }
            exit(3)
        }
        try Distributed.allReduce(Tensor([1.0]))
        print("rank 0 finished")
    }

    func testAProgramStartedAloneFormsAGroupOfOne() throws {
        let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let run = try runProcess(program, ["EmberTests.DistributedTests/testLeaveWithoutDestroyingWorker"],
                                 environment: ["EMBER_DISTRIBUTED_WORKER": "1"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("rank 0 of 1 leaves (mpi)"), run.output)
    }

    func testRanksThatEndWithoutDestroyingTheGroupLeaveItCleanly() throws {
        let run = try launchWorkers(2, "testLeaveWithoutDestroyingWorker")
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("rank 1 of 2 leaves"), run.output)
        XCTAssertFalse(run.output.contains("exiting improperly"), run.output)
    }

    /// Runs alone and on two ranks: averages, then ends without destroying the group.
    func testLeaveWithoutDestroyingWorker() throws {
        try joinAsWorker()
        let size = Int(ProcessInfo.processInfo.environment["WORLD_SIZE"] ?? "1")!
        XCTAssertEqual(Distributed.worldSize, size)
        let tensor = Tensor([Double(Distributed.rank), 2.0]).to(workerDevice)
        try Distributed.allReduce(tensor, op: .average)
        XCTAssertEqual(tensor.toArray(as: Double.self), [Double(size - 1) / 2, 2])
        print("rank \(Distributed.rank) of \(size) leaves (\(Distributed.backend.rawValue))")
    }

    // MARK: DistributedDataParallel

    func testDistributedDataParallelTrainsAsOneProcessOnTheWholeBatch() throws {
        try assertEveryRankPasses(3, "testDataParallelWorker") { "data parallel passed on rank \($0) (mpi)" }
    }

    /// Runs on each rank of `testDistributedDataParallelTrainsAsOneProcessOnTheWholeBatch`. Each rank trains on its
    /// share of a batch; a reference model on the same rank trains on the whole batch, and both must agree.
    func testDataParallelWorker() throws {
        try joinAsWorker()
        let rank = Distributed.rank, size = Distributed.worldSize, share = 5, device = workerDevice
        Ember.manualSeed(UInt64(100 + rank))   // each rank starts from its own weights: DDP copies rank 0's
        let net = TwoBranchNet().to(device)
        let model = try DistributedDataParallel(net, bucketCapMB: 0.0001)
        for tensor in net.parameters() {
            let copies = (0..<size).map { _ in Tensor.zeros(tensor.shape, dtype: tensor.dtype, device: device) }
            try Distributed.allGather(copies, tensor.detach().contiguous())
            XCTAssertTrue(copies.allSatisfy { $0.equal(copies[0]) }, "parameters differ across ranks after construction")
        }
        XCTAssertTrue(model.stateDict().keys.allSatisfy { $0.hasPrefix("module.") })
        XCTAssertEqual(Set(model.stateDict().keys), Set(net.stateDict().keys.map { "module." + $0 }))
        let reference = TwoBranchNet()
        try reference.loadStateDict(net.stateDict().mapValues { $0.cpu() })

        Ember.manualSeed(7)   // the same batches on every rank
        func batch() -> (all: (Tensor, Tensor), mine: (Tensor, Tensor)) {
            let x = Tensor.randn([size * share, 4], dtype: .float64), y = Tensor.randn([size * share, 2], dtype: .float64)
            return ((x, y), (x.narrow(0, start: rank * share, length: share).to(device),
                             y.narrow(0, start: rank * share, length: share).to(device)))
        }
        func assertSameGradients(_ context: String) {
            for ((name, mine), (_, expected)) in zip(net.namedParameters(), reference.namedParameters()) {
                guard let grad = mine.grad, let expectedGrad = expected.grad else { return XCTFail("\(context): \(name) has no grad") }
                XCTAssertEqual(grad.device, device)
                XCTAssertLessThan((grad.cpu() - expectedGrad).abs().max().item(), 1e-12, "\(context): \(name)")
            }
        }
        let optimizer = SGD(model.parameters(), lr: 0.1, momentum: 0.9)
        let referenceOptimizer = SGD(reference.parameters(), lr: 0.1, momentum: 0.9)
        for step in 0..<3 {
            let (all, mine) = batch()
            optimizer.zeroGrad()
            referenceOptimizer.zeroGrad()
            F.mseLoss(model(mine.0), mine.1).backward()
            F.mseLoss(reference(all.0), all.1).backward()
            assertSameGradients("step \(step)")
            optimizer.step()
            referenceOptimizer.step()
        }
        for (mine, expected) in zip(net.parameters(), reference.parameters()) {
            XCTAssertLessThan((mine.cpu() - expected).abs().max().item(), 1e-12)
        }

        // noSync: two backward passes accumulate locally, the third averages all three.
        optimizer.zeroGrad()
        referenceOptimizer.zeroGrad()
        for pass in 0..<3 {
            let (all, mine) = batch()
            if pass < 2 {
                model.noSync { F.mseLoss(model(mine.0), mine.1).backward() }
            } else {
                F.mseLoss(model(mine.0), mine.1).backward()
            }
            F.mseLoss(reference(all.0), all.1).backward()
        }
        assertSameGradients("accumulated with noSync")

        // findUnusedParameters: the spare branch unused everywhere keeps no gradient; used on one rank only, it is
        // averaged with the others' zeros.
        let partial = TwoBranchNet(.second).to(device)
        let partialModel = try DistributedDataParallel(partial, findUnusedParameters: true)
        let partialReference = TwoBranchNet(.second)
        try partialReference.loadStateDict(partial.stateDict().mapValues { $0.cpu() })
        let (all, mine) = batch()
        F.mseLoss(partialModel(mine.0), mine.1).backward()
        XCTAssertNil(partial.spare.weight.grad)
        XCTAssertNotNil(partial.second.weight.grad)
        partial.zeroGrad()
        partial.heads = rank == size - 1 ? .spare : .second
        F.mseLoss(partialModel(mine.0), mine.1).backward()
        var referenceLoss = Tensor(0.0)
        for r in 0..<size {
            partialReference.heads = r == size - 1 ? .spare : .second
            let rows = (all.0.narrow(0, start: r * share, length: share), all.1.narrow(0, start: r * share, length: share))
            referenceLoss = referenceLoss + F.mseLoss(partialReference(rows.0), rows.1) / Double(size)
        }
        referenceLoss.backward()
        for ((name, mine), (_, expected)) in zip(partial.namedParameters(), partialReference.namedParameters()) {
            XCTAssertLessThan((mine.grad!.cpu() - expected.grad!).abs().max().item(), 1e-12, name)
        }
        print("data parallel passed on rank \(rank) (\(Distributed.backend.rawValue))")
        try Distributed.destroyProcessGroup()
    }

    // MARK: NCCL on fake GPUs

    func testEveryCollectiveOnTwoFakeGPUsOverNCCL() throws {
        let environment = try fakeGPUEnvironment()
        try assertEveryRankPasses(2, "testCollectivesWorker", environment: environment) { "collectives passed on rank \($0) of 2 (nccl)" }
    }

    func testDistributedDataParallelOnTwoFakeGPUsOverNCCL() throws {
        let environment = try fakeGPUEnvironment()
        try assertEveryRankPasses(2, "testDataParallelWorker", environment: environment) { "data parallel passed on rank \($0) (nccl)" }
    }

    func testANCCLProgramStartedAloneFormsAGroupOfOne() throws {
        let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let environment = try fakeGPUEnvironment()
        let run = try runProcess(program, ["EmberTests.DistributedTests/testLeaveWithoutDestroyingWorker"],
                                 environment: environment.merging(["EMBER_DISTRIBUTED_WORKER": "1"]) { $1 })
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("rank 0 of 1 leaves (nccl)"), run.output)
    }

    /// `ember train mnist --nproc 2 --device cuda`: two ranks, each on the fake GPU of its local rank (both on the only
    /// one), train data-parallel over NCCL on a cut-down MNIST; rank 0 alone evaluates and writes.
    func testTrainMNISTOnTwoFakeGPUsOverNCCL() throws {
        let ember = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ember").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: ember), "ember is not built at \(ember)")
        var environment = try fakeGPUEnvironment()
        environment["EMBER_TEST_BACKEND"] = nil
        let folder = try CUDATests.temporaryFolder(self)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (train, count) in [(true, 100), (false, 50)] {
            let set = try MNIST(root: repository.appendingPathComponent("Data").path, train: train)
            let prefix = "\(folder)/MNIST/raw/" + (train ? "train" : "t10k")
            try writeIDX(set.data.narrow(0, start: 0, length: count), to: prefix + "-images-idx3-ubyte")
            try writeIDX(set.targets.narrow(0, start: 0, length: count).to(.uint8), to: prefix + "-labels-idx1-ubyte")
        }
        let run = try runProcess(ember, ["train", "mnist", "--data", folder, "--out", folder + "/run", "--epochs", "1", "--workers", "0",
                                         "--batch-size", "25", "--nproc", "2", "--device", "cuda"], environment: environment)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("100 training and 50 test images from \(folder)/MNIST/raw, 2 processes"), run.output)
        XCTAssertEqual(run.output.components(separatedBy: "epoch 1: test accuracy").count, 2, run.output)
        let state: OrderedDictionary<String, Tensor> = try Ember.load(folder + "/run/mnist_cnn.pt")
        XCTAssertEqual(state.count, 6)
        XCTAssertTrue(state.values.allSatisfy { $0.device == .cpu && $0.isfinite().all().item() == 1 }, "the saved weights")
    }

    /// Writes `tensor` as an uncompressed IDX file of bytes.
    private func writeIDX(_ tensor: Tensor, to path: String) throws {
        let header: [UInt8] = [0, 0, 8, UInt8(tensor.dim)] + tensor.shape.flatMap { n in (0..<4).map { UInt8((n >> (8 * (3 - $0))) & 255) } }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(header + tensor.toArray(as: UInt8.self)).write(to: URL(fileURLWithPath: path))
    }

    /// A collective the GPU never finishes (the fake driver's events never complete) times out, aborts the
    /// communicator and leaves the group refusing the rest.
    func testANCCLCollectiveTheGPUNeverFinishesTimesOut() throws {
        var environment = try fakeGPUEnvironment()
        let driver = try CUDATests.buildFakeDriver(self, ["-DFAKE_EVENTS_NEVER_COMPLETE"])
        environment["EMBER_CUDA_PATH"] = driver + ":" + environment["EMBER_CUDA_PATH"]!
        let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let start = Date()
        let run = try runProcess(program, ["EmberTests.DistributedTests/testNCCLTimeoutWorker"],
                                 environment: environment.merging(["EMBER_DISTRIBUTED_WORKER": "1"]) { $1 })
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("the NCCL collective timed out as expected"), run.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, run.output)
    }

    /// Runs alone for `testANCCLCollectiveTheGPUNeverFinishesTimesOut`.
    func testNCCLTimeoutWorker() throws {
        try joinAsWorker(timeout: 1)
        let tensor = Tensor([1.0, 2.0]).to(workerDevice)
        XCTAssertThrowsError(try Distributed.allReduce(tensor)) { error in
            XCTAssertEqual(error as? DistributedError, .timeout(operation: "Distributed.allReduce", seconds: 1))
        }
        XCTAssertThrowsError(try Distributed.broadcast(tensor, src: 0)) { error in
            guard case DistributedError.broken(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("did not complete within"), reason)
        }
        try Distributed.destroyProcessGroup()   // the aborted communicator is not destroyed twice
        print("the NCCL collective timed out as expected")
    }

    func testAParameterWithoutAGradientStopsWithPyTorchsAdvice() throws {
        let run = try launchWorkers(2, "testUnusedParameterWorker")
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("findUnusedParameters: true"), run.output)
        XCTAssertTrue(run.output.contains("Parameters that did not receive grad: spare.weight, spare.bias"), run.output)
    }

    /// Runs on each rank of `testAParameterWithoutAGradientStopsWithPyTorchsAdvice`.
    func testUnusedParameterWorker() throws {
        try joinAsWorker()
        let model = try DistributedDataParallel(TwoBranchNet(.second))
        model(Tensor.ones([2, 4], dtype: .float64)).sum().backward()
    }

    // MARK: Support

    /// Starts `processes` ranks of this test program through Ember's launcher, each running the worker test `test`.
    func launchWorkers(_ processes: Int, _ test: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("Open MPI's mpirun is not installed (make test installs openmpi-bin)")
        }
        let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return try runProcess(mpirun, Distributed.launchArguments(processes: processes, program: program,
                                                                  arguments: ["EmberTests.DistributedTests/\(test)"]),
                              environment: environment.merging(["EMBER_DISTRIBUTED_WORKER": "1"]) { $1 })
    }

    /// Runs `worker` on `processes` ranks and checks that all succeed, each printing `marker(rank)`.
    func assertEveryRankPasses(_ processes: Int, _ worker: String, environment: [String: String] = [:],
                               file: StaticString = #filePath, line: UInt = #line, _ marker: (Int) -> String) throws {
        let run = try launchWorkers(processes, worker, environment: environment)
        XCTAssertEqual(run.status, 0, run.output, file: file, line: line)
        for rank in 0..<processes { XCTAssertTrue(run.output.contains(marker(rank)), run.output, file: file, line: line) }
    }

    /// Joins the MPI job when running as a worker, on the backend `EMBER_TEST_BACKEND` names (MPI by default; NCCL
    /// on the first GPU, which the fake GPU's ranks share); skips the test otherwise.
    func joinAsWorker(timeout: Double = 120) throws {
        guard ProcessInfo.processInfo.environment["EMBER_DISTRIBUTED_WORKER"] != nil else {
            throw XCTSkip("runs only on the ranks of an MPI job that another test starts")
        }
        if workerBackend == .nccl { try Ember.cuda.setDevice(0) }
        try Distributed.initProcessGroup(backend: workerBackend, timeout: timeout)
    }

    /// The backend a worker runs on.
    var workerBackend: Distributed.Backend {
        ProcessInfo.processInfo.environment["EMBER_TEST_BACKEND"].flatMap(Distributed.Backend.init(rawValue:)) ?? .mpi
    }

    /// The device of a worker's tensors.
    var workerDevice: Device { workerBackend == .nccl ? .cuda(0) : .cpu }

    /// The environment of workers on NCCL and the fake GPU (Fixtures/FakeCUDA: the driver running the kernels compiled
    /// for the host, and the fake NCCL, whose ranks meet in a shared file), with their compiled kernels in the fake
    /// GPU's kernel cache; skips without the CUDA wheels' headers, which the fake GPU's kernels need.
    func fakeGPUEnvironment() throws -> [String: String] {
        try CUDABackendTests.fakeGPUChildEnvironment().merging(["EMBER_TEST_BACKEND": "nccl"]) { $1 }
    }
}

/// Two heads on one hidden layer, in float64: their sum, or one of them.
final class TwoBranchNet: Module {
    enum Heads { case both, second, spare }
    let first = Linear(4, 3, dtype: .float64), second = Linear(3, 2, dtype: .float64), spare = Linear(3, 2, dtype: .float64)
    var heads: Heads

    init(_ heads: Heads = .both) {
        self.heads = heads
        super.init()
    }

    override func forward(_ input: Tensor) -> Tensor {
        let hidden = first(input).tanh()
        switch heads {
        case .both: return second(hidden) + spare(hidden)
        case .second: return second(hidden)
        case .spare: return spare(hidden)
        }
    }
}
