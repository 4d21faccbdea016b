// Test digits tiled with their predicted label drawn under each: green when right, red when wrong.
import Ember
import EmberVision

/// 3×5 pixel glyphs of the digits 0–9, one row of three bits per line.
private let glyphs: [[UInt8]] = [
    [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
]

/// A uint8 RGB image [3, H, W] of `images` (float [N, 1, h, w] in [0, 1]) in rows of `columns`, each
/// with its prediction written below it.
func labelledGrid(_ images: Tensor, predictions: [Int], labels: [Int], columns: Int) -> Tensor {
    let scale = 2, strip = 5 * scale + 4
    let tiles = makeGrid(images, nrow: columns, padding: 2)      // [3, H, W] floats
    let (tileHeight, tileWidth) = (images.shape[2] + 2, images.shape[3] + 2)
    let rows = (images.shape[0] + columns - 1) / columns
    let height = rows * (tileHeight + strip) + 2, width = tiles.shape[2]
    let canvas = Tensor.zeros([3, height, width], dtype: .uint8)
    let pixels = imageBytes(tiles)
    for row in 0..<rows {
        canvas.narrow(1, start: row * (tileHeight + strip), length: tileHeight + 2)
            .copy_(pixels.narrow(1, start: row * tileHeight, length: tileHeight + 2))
    }
    for (k, digit) in predictions.enumerated() where (0...9).contains(digit) {
        let colour: [Double] = digit == labels[k] ? [80, 220, 80] : [255, 70, 70]
        let top = (k / columns) * (tileHeight + strip) + tileHeight + 3
        let left = (k % columns) * tileWidth + 2 + (tileWidth - 2 - 3 * scale) / 2
        for (y, bits) in glyphs[digit].enumerated() {
            for x in 0..<3 where bits & (4 >> x) != 0 {
                let dot = canvas.narrow(1, start: top + y * scale, length: scale).narrow(2, start: left + x * scale, length: scale)
                for c in 0..<3 { dot[c].fill_(colour[c]) }
            }
        }
    }
    return canvas
}
