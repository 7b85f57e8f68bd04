"""Lantai OCR: page images to text with word boxes, behind one ``OcrEngine`` interface."""
