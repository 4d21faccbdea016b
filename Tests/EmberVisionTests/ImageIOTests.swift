import Ember
@testable import EmberVision
import XCTest

final class ImageIOTests: XCTestCase {
    func testPNGRoundTrip() throws {
        let image = Tensor((0..<(3 * 4 * 5)).map { UInt8($0 * 4) }, shape: [3, 4, 5])
        let decoded = try decodeImage(encodePNG(image))
        XCTAssertEqual(decoded.shape, [3, 4, 5])
        XCTAssertEqual(decoded.toArray(as: UInt8.self), image.toArray(as: UInt8.self))
    }
}
