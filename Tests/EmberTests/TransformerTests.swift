// nn.Transformer against PyTorch: initialisation (the whole state dict after the same seed), the output with
// a causal target mask, and the gradient reaching the source.
import Ember
import Foundation
import XCTest

final class TransformerTests: XCTestCase {
    private struct Case: Decodable {
        struct Stored: Decodable { let shape: [Int]; let data: [Double] }
        let state: [String: Stored]
        let src: [Double], tgt: [Double], output: [Double], src_grad: [Double]
        let repr: String
    }

    private func worstDifference(_ t: Tensor, _ expected: [Double]) -> Double {
        zip(t.toArray(as: Double.self), expected).map { Swift.abs($0 - $1) }.max() ?? .infinity
    }

    /// PyTorch 2.15's nn.Transformer(16, 2, 2, 2, 32, dropout: 0) (Fixtures/make_transformer_case.py).
    func testTransformerMatchesPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/transformer_case.json")
        let c = try JSONDecoder().decode(Case.self, from: Data(contentsOf: url))
        Ember.manualSeed(0)
        let model = Transformer(dModel: 16, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32, dropout: 0)
        let state = model.stateDict()
        XCTAssertEqual(Set(state.keys), Set(c.state.keys))
        for (key, stored) in c.state {
            XCTAssertEqual(state[key]?.shape, stored.shape, key)
            if let t = state[key] { XCTAssertLessThan(worstDifference(t, stored.data), 1e-6, "initialisation of \(key)") }
        }
        let src = Tensor(c.src.map { Float($0) }, shape: [5, 3, 16]).requiresGrad_()
        let tgt = Tensor(c.tgt.map { Float($0) }, shape: [4, 3, 16])
        let output = model(src, tgt, tgtMask: Transformer.generateSquareSubsequentMask(4))
        XCTAssertEqual(output.shape, [4, 3, 16])
        XCTAssertLessThan(worstDifference(output, c.output), 1e-4)
        (output * output).sum().backward()
        XCTAssertLessThan(worstDifference(src.grad!, c.src_grad), 1e-3)
        XCTAssertEqual(model.decoder.layers[0].description, c.repr)
    }

    func testCausalMaskAndPositionalLayerArguments() {
        XCTAssertEqual(Transformer.generateSquareSubsequentMask(3).toArray(as: Double.self),
                       [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        let layer = TransformerDecoderLayer(8, 2, 16, 0.0)
        XCTAssertEqual(layer.dimFeedforward, 16)
        let decoder = TransformerDecoder(layer, numLayers: 2)
        XCTAssertEqual(decoder(Tensor.randn(3, 2, 8), Tensor.randn(5, 2, 8)).shape, [3, 2, 8])
        XCTAssertEqual(TransformerEncoderLayer(8, 2, 16).dimFeedforward, 16)
    }
}
