// Datasets, samplers and the DataLoader; expected orders were computed by PyTorch 2.15 for the same seeds.
import Ember
import XCTest

struct Numbers: Dataset {
    let n: Int
    var count: Int { n }
    subscript(index: Int) -> Tensor { Tensor(Int64(index)) }
}

struct Failing: Dataset {
    struct Broken: Error {}
    var count: Int { 6 }
    subscript(index: Int) -> Tensor { Tensor(Int64(index)) }
    func element(at index: Int) throws -> Tensor {
        if index == 4 { throw Broken() }
        return self[index]
    }
}

final class DataTests: XCTestCase {
    func testShuffledOrderMatchesPyTorch() {
        // torch.manual_seed(0); DataLoader(list(range(10)), batch_size=3, shuffle=True), two epochs
        Ember.manualSeed(0)
        let loader = DataLoader(Numbers(n: 10), batchSize: 3, shuffle: true)
        XCTAssertEqual(loader.count, 4)
        XCTAssertEqual(loader.map { $0.toArray(as: Int64.self) }, [[6, 7, 1], [4, 2, 0], [9, 8, 3], [5]])
        XCTAssertEqual(loader.map { $0.toArray(as: Int64.self) }, [[2, 4, 7], [0, 8, 9], [5, 3, 6], [1]])
    }

    func testIteratingConsumesTheGeneratorAsPyTorchDoes() {
        // torch.manual_seed(1); one pass over an unshuffled loader; torch.rand(2)
        Ember.manualSeed(1)
        for _ in DataLoader(Numbers(n: 7), batchSize: 2) {}
        XCTAssertEqual(Tensor.rand(2).toArray(as: Float.self), [0.40306925773620605, 0.7346844673156738])
    }

    func testRandomSplitAndDistributedSamplerMatchPyTorch() {
        let parts = randomSplit(Numbers(n: 10), lengths: [0.7, 0.3], generator: Generator(seed: 3))
        XCTAssertEqual(parts[0].indices, [6, 0, 3, 7, 8, 5, 1])
        XCTAssertEqual(parts[1].count, 3)
        let sampler = DistributedSampler(count: 10, numReplicas: 3, rank: 1, shuffle: true, seed: 5)
        sampler.setEpoch(2)
        XCTAssertEqual(sampler.epochIndices(), [0, 1, 6, 5])
    }

    /// PyTorch 2.15's index lists (Fixtures/make_distributed_sampler_cases.py) over sizes, replica counts, ranks,
    /// shuffling, seeds, epochs and dropLast — sizes below the replica count included.
    func testDistributedSamplerMatchesPyTorchOverAGrid() throws {
        struct Case: Decodable {
            let count: Int, replicas: Int, rank: Int, shuffle: Bool, seed: UInt64, epoch: Int, dropLast: Bool
            let length: Int, indices: [Int]
        }
        struct Fixture: Decodable { let cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/distributed_sampler_cases.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.cases.count, 1088)
        for c in fixture.cases {
            let sampler = DistributedSampler(count: c.count, numReplicas: c.replicas, rank: c.rank, shuffle: c.shuffle,
                                             seed: c.seed, dropLast: c.dropLast)
            sampler.setEpoch(c.epoch)
            XCTAssertEqual(sampler.count, c.length, "\(c)")
            XCTAssertEqual(sampler.epochIndices(), c.indices, "\(c)")
        }
    }

    func testWorkersKeepOrderAndDropLast() {
        let serial = DataLoader(Numbers(n: 103), batchSize: 10, dropLast: true).map { $0.toArray(as: Int64.self) }
        let parallel = DataLoader(Numbers(n: 103), batchSize: 10, numWorkers: 3, dropLast: true).map { $0.toArray(as: Int64.self) }
        XCTAssertEqual(serial.count, 10)
        XCTAssertEqual(parallel, serial)
    }

    func testCollatesTuplesAndTensorDatasets() {
        let x = Tensor.randn(8, 3), y = Tensor.arange(8)
        let loader = DataLoader(TensorDataset(x, y), batchSize: 4)
        let batches = Array(loader)
        XCTAssertEqual(batches.count, 2)
        XCTAssertEqual(batches[0].0.shape, [4, 3])
        XCTAssertEqual(batches[1].1.toArray(as: Int64.self), [4, 5, 6, 7])
        for (inputs, targets) in DataLoader(TensorDataset(x, y), batchSize: 3) { XCTAssertEqual(inputs.size(0), targets.size(0)) }
        let listed = Array(DataLoader(TensorDataset(tensors: [x, y, y]), batchSize: 8))
        XCTAssertEqual(listed[0].map(\.shape), [[8, 3], [8], [8]])
        struct Pairs: Dataset {
            var count: Int { 5 }
            subscript(index: Int) -> (Tensor, Int) { (Tensor.full([2], Double(index)), index % 2) }
        }
        let (images, labels) = DataLoader(Pairs(), batchSize: 5).map { $0 }[0]
        XCTAssertEqual(images.shape, [5, 2])
        XCTAssertEqual(labels.toArray(as: Int64.self), [0, 1, 0, 1, 0])
    }

    func testDefaultCollationOfTriplesQuadruplesNumbersStringsAndDictionaries() {
        struct Captioned: Dataset {
            var count: Int { 4 }
            subscript(index: Int) -> (Tensor, Int, String) { (Tensor.full([2], Double(index)), index, "item \(index)") }
        }
        for (images, labels, captions) in DataLoader(Captioned(), batchSize: 2) {
            XCTAssertEqual(images.shape, [2, 2])
            XCTAssertEqual(labels.dtype, .int64)
            XCTAssertEqual(captions.count, 2)
        }
        struct Records: Dataset {
            var count: Int { 3 }
            subscript(index: Int) -> (Tensor, Double, Bool, [String: Tensor]) {
                (Tensor([Float(index)]), Double(index) / 2, index % 2 == 0, ["mask": Tensor.ones(2)])
            }
        }
        let (x, weights, flags, extra) = Array(DataLoader(Records(), batchSize: 3))[0]
        XCTAssertEqual(x.shape, [3, 1])
        XCTAssertEqual(weights.dtype, .float64)
        XCTAssertEqual(weights.toArray(as: Double.self), [0, 0.5, 1])
        XCTAssertEqual(flags.toArray(as: Bool.self), [true, false, true])
        XCTAssertEqual(extra["mask"]?.shape, [3, 2])
    }

    func testAWorkerErrorReachesTheLoopAndTheLoaderRunsAgain() {
        let loader = DataLoader(Failing(), batchSize: 2, numWorkers: 2)
        var seen = 0
        XCTAssertThrowsError(try loader.forEachBatch { _ in seen += 1 }) { XCTAssertTrue($0 is Failing.Broken) }
        XCTAssertEqual(seen, 2)
        seen = 0
        XCTAssertThrowsError(try loader.forEachBatch { _ in seen += 1 })
        XCTAssertEqual(seen, 2)
    }

    func testSamplersCoverTheirIndices() {
        XCTAssertEqual(SubsetRandomSampler(indices: [3, 5, 9]).epochIndices().sorted(), [3, 5, 9])
        let weighted = WeightedRandomSampler(weights: [0, 1, 0], numSamples: 5).epochIndices()
        XCTAssertEqual(weighted, [1, 1, 1, 1, 1])
        XCTAssertEqual(RandomSampler(count: 4, replacement: true, numSamples: 50).epochIndices().count, 50)
        let concat = ConcatDataset([Numbers(n: 2), Numbers(n: 3)])
        XCTAssertEqual(concat.count, 5)
        XCTAssertEqual(concat[3].item(), 1)
    }
}
