import Ember
@testable import EmberVision
import Foundation
import XCTest

/// The synthetic image of `Fixtures/make_transform_cases.py`: value (37 i + i / 7) mod 256 at flat index i.
func syntheticImage(_ shape: [Int]) -> Tensor {
    let values: [UInt8] = (0..<shape.reduce(1, *)).map { (i: Int) -> UInt8 in UInt8((i * 37 + i / 7) % 256) }
    return Tensor(values, shape: shape)
}

final class TransformTests: XCTestCase {
    /// torchvision 0.29's outputs for the cases below (see Fixtures/make_transform_cases.py).
    static let reference: [String: [Double]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torchvision_transforms.json")
        let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [NSNumber]]
        return object.mapValues { $0.map(\.doubleValue) }
    }()

    func assertMatchesTorchvision(_ name: String, _ result: Tensor, accuracy: Double = 1e-5, line: UInt = #line) {
        guard let expected = Self.reference[name], let shape = Self.reference[name + ".shape"] else {
            return XCTFail("no reference case \(name)", line: line)
        }
        XCTAssertEqual(result.shape, shape.map { Int($0) }, name, line: line)
        let values = result.toArray(as: Double.self)
        XCTAssertEqual(values.count, expected.count, name, line: line)
        let worst = zip(values, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, accuracy, "\(name): largest difference \(worst)", line: line)
    }

    func stacked(_ count: Int, seed: Int, _ draw: () -> Tensor) -> Tensor {
        Ember.manualSeed(seed)
        return Tensor.stack((0..<count).map { _ in draw() })
    }

    func testResizeMatchesTorchvision() {
        let u = syntheticImage([3, 10, 13]), f = ToTensor()(u)
        assertMatchesTorchvision("resize_aa", Resize([4, 5])(u))
        assertMatchesTorchvision("resize_aa_f", Resize([4, 5])(f))
        assertMatchesTorchvision("resize_edge", Resize(7)(u))
        assertMatchesTorchvision("resize_up", Resize([15, 17])(u))
        assertMatchesTorchvision("resize_noaa", Resize([4, 5], antialias: false)(u))
        assertMatchesTorchvision("resize_nearest", Resize([4, 5], interpolation: .nearest)(u))
    }

    /// uint8 images resample with Pillow's fixed-point arithmetic, as torchvision computes on the PIL images
    /// its data sets hand out; float images with torchvision's tensor arithmetic.
    func testBicubicAndGrayResizeMatchTorchvisionOnPILImages() {
        let u = syntheticImage([3, 10, 13]), f = ToTensor()(u)
        assertMatchesTorchvision("resize_bicubic", Resize([4, 6], interpolation: .bicubic)(u))
        assertMatchesTorchvision("resize_bicubic_up", Resize([13, 21], interpolation: .bicubic)(u))
        assertMatchesTorchvision("resize_bicubic_f", Resize([4, 6], interpolation: .bicubic)(f))
        assertMatchesTorchvision("resize_gray", Resize([5, 3])(syntheticImage([1, 17, 9])))
    }

    func testSizesFromVariables() {
        let image = Tensor.rand(3, 20, 30)
        let (side, height, width) = (10, 8, 12)
        XCTAssertEqual(Resize(side)(image).shape, [3, 10, 15])
        let exact = [height, width]
        XCTAssertEqual(Resize(exact)(image).shape, [3, 8, 12])
        XCTAssertEqual(CenterCrop(side)(image).shape, [3, 10, 10])
        XCTAssertEqual(CenterCrop(exact)(image).shape, [3, 8, 12])
        XCTAssertEqual(RandomCrop(side)(image).shape, [3, 10, 10])
        XCTAssertEqual(RandomResizedCrop(side)(image).shape, [3, 10, 10])
    }

    func testCropsAndPaddingMatchTorchvision() {
        let u = syntheticImage([3, 10, 13])
        assertMatchesTorchvision("center", CenterCrop([6])(u))
        assertMatchesTorchvision("center_pad", CenterCrop([12, 15])(u))
        for (name, mode) in [("constant", PaddingMode.constant), ("edge", .edge), ("reflect", .reflect), ("symmetric", .symmetric)] {
            assertMatchesTorchvision("pad_" + name, Pad([2, 1, 3, 2], fill: 7, mode: mode)(u))
        }
    }

    func testRandomTransformsDrawWhatTorchvisionDraws() {
        let u = syntheticImage([3, 10, 13]), big = syntheticImage([3, 20, 24])
        assertMatchesTorchvision("randomcrop", stacked(4, seed: 0) { RandomCrop(8, padding: 4)(u) })
        assertMatchesTorchvision("randomcrop_reflect", stacked(4, seed: 1) { RandomCrop([9, 12], padding: [2], paddingMode: .reflect)(u) })
        assertMatchesTorchvision("flips", stacked(6, seed: 2) { RandomVerticalFlip()(RandomHorizontalFlip()(u)) })
        assertMatchesTorchvision("rrc", stacked(5, seed: 3) { RandomResizedCrop(6)(big) })
        assertMatchesTorchvision("rrc_f", stacked(5, seed: 4) { RandomResizedCrop([5, 7], scale: (0.5, 1))(ToTensor()(big)) })
        let gray = syntheticImage([1, 9, 11])
        assertMatchesTorchvision("rotation", stacked(4, seed: 5) { RandomRotation(degrees: 30)(gray) })
        let small = syntheticImage([3, 6, 7])
        let jitter = ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1)
        assertMatchesTorchvision("jitter", stacked(4, seed: 7) { jitter(small) })
        assertMatchesTorchvision("jitter_f", stacked(4, seed: 8) { jitter(ToTensor()(small)) })
    }

    func testRotationGrayscaleNormalizeAndGridMatchTorchvision() {
        let gray = syntheticImage([1, 9, 11])
        assertMatchesTorchvision("rot90", rotate(gray, angle: 90))
        assertMatchesTorchvision("rot_expand", rotate(gray, angle: 30, expand: true))
        assertMatchesTorchvision("rot_bilinear", rotate(ToTensor()(syntheticImage([3, 10, 13])), angle: 20, interpolation: .bilinear))
        assertMatchesTorchvision("rot_center", rotate(gray, angle: 45, center: (2, 3), fill: 9))
        let small = syntheticImage([3, 6, 7])
        assertMatchesTorchvision("gray", Grayscale()(small))
        assertMatchesTorchvision("gray3", Grayscale(numOutputChannels: 3)(ToTensor()(small)))
        assertMatchesTorchvision("normalize", Normalize(mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.4])(ToTensor()(small)))
        assertMatchesTorchvision("normalize", Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])(ToTensor()(small)))
        assertMatchesTorchvision("grid", makeGrid(ToTensor()(syntheticImage([5, 1, 4, 3])), nrow: 3, padding: 1, padValue: 0.5))
        assertMatchesTorchvision("grid_norm", makeGrid(ToTensor()(syntheticImage([3, 3, 4, 3])), nrow: 2, normalize: true, scaleEach: true))
    }

    // MARK: Hand-computed pixels

    func testHandComputedPixels() {
        let row = Tensor([1, 2, 3] as [Float], shape: [1, 1, 3])
        XCTAssertEqual(pad(row, [2, 0], mode: .reflect).toArray(as: Float.self), [3, 2, 1, 2, 3, 2, 1])
        XCTAssertEqual(pad(row, [2, 0], mode: .symmetric).toArray(as: Float.self), [2, 1, 1, 2, 3, 3, 2])
        XCTAssertEqual(pad(row, [2, 0], mode: .edge).toArray(as: Float.self), [1, 1, 1, 2, 3, 3, 3])
        XCTAssertEqual(pad(row, [1, 0], fill: 9).toArray(as: Float.self), [9, 1, 2, 3, 9])
        XCTAssertEqual(pad(row, 1).shape, [1, 3, 5])
        XCTAssertEqual(pad(row, [0, 1, 2, 3]).shape, [1, 5, 5])
        // A 2×2 block averages to one pixel when halved (antialiased bilinear is a box filter at scale 2).
        let block = Tensor([0, 4, 8, 12] as [Float], shape: [1, 2, 2])
        XCTAssertEqual(Resize([1, 1])(block).toArray(as: Float.self), [6])
        // Rotating by 90° counter-clockwise moves the top-right corner to the top-left.
        let square = Tensor([1, 2, 3, 4] as [Float], shape: [1, 2, 2])
        XCTAssertEqual(rotate(square, angle: 90).toArray(as: Float.self), [2, 4, 1, 3])
        XCTAssertEqual(ToTensor()(Tensor([0, 255, 51] as [UInt8], shape: [1, 1, 3])).toArray(as: Float.self), [0, 1, 0.2])
        XCTAssertEqual(adjustBrightness(Tensor([100, 200] as [UInt8], shape: [1, 1, 2]), 1.5).toArray(as: UInt8.self), [150, 255])
        let gray = rgbToGrayscale(Tensor([10, 20, 30] as [UInt8], shape: [3, 1, 1]))
        XCTAssertEqual(gray.toArray(as: UInt8.self), [UInt8(0.2989 * 10 + 0.587 * 20 + 0.114 * 30)])
    }

    /// Augmented batches depend on the seed only: not on the number of DataLoader workers, nor on the
    /// order they finish in.
    func testSeededEpochsAreTheSameWithAnyNumberOfWorkers() throws {
        struct Images: Dataset {
            let transform = Compose([RandomCrop(8, padding: 2), RandomHorizontalFlip(), ColorJitter(brightness: 0.5), ToTensor()])
            var count: Int { 40 }
            subscript(index: Int) -> (Tensor, Int) { (transform(syntheticImage([3, 10, 10]) + Tensor(UInt8(index))), index) }
        }
        func epoch(workers: Int) throws -> [[Float]] {
            Ember.manualSeed(3)
            var batches: [[Float]] = []
            try DataLoader(Images(), batchSize: 4, shuffle: true, numWorkers: workers).forEachBatch { images, _ in
                batches.append(images.toArray(as: Float.self))
            }
            return batches
        }
        let two = try epoch(workers: 2)
        XCTAssertEqual(two.count, 10)
        XCTAssertEqual(try epoch(workers: 2), two)
        XCTAssertEqual(try epoch(workers: 1), two)
        XCTAssertEqual(try epoch(workers: 4), two)
        XCTAssertNotEqual(two[0], two[1])
    }

    func testComposeLambdaAndSeedsReproduceAnEpoch() {
        let pipeline = Compose([RandomCrop(8, padding: [2]), RandomHorizontalFlip(), ToTensor(), Lambda { $0 * 2 }])
        let image = syntheticImage([3, 10, 10])
        Ember.manualSeed(11)
        let first = (0..<5).map { _ in pipeline(image).toArray(as: Float.self) }
        Ember.manualSeed(11)
        let second = (0..<5).map { _ in pipeline(image).toArray(as: Float.self) }
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first[0], first[1])
        XCTAssertEqual(first[0].max()!, 2 * Float(image.max().item()) / 255, accuracy: 1e-6)
    }
}
