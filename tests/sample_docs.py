"""Fictional sample documents for unit tests (never real legal text).

"Quy chế mẫu" and its articles are invented; they only exercise the structure parser.
"""

from __future__ import annotations

QUY_CHE_MAU = """ỦY BAN MẪU
Số: 01/2099/QC-MAU

QUY CHẾ
Thi đua mẫu của Câu lạc bộ Cây cảnh

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi áp dụng

Quy chế mẫu này áp dụng cho các thành viên câu lạc bộ cây cảnh tham gia phong trào chăm sóc bonsai.

Điều 2. Danh hiệu Người trồng cây giỏi

1. Danh hiệu Người trồng cây giỏi được xét mỗi mùa xuân cho thành viên đạt các tiêu chuẩn sau:

a) Chăm sóc ít nhất ba chậu bonsai sống khỏe qua mùa đông;

b) Hướng dẫn được một thành viên mới cách tưới nước đúng giờ.

2. Hồ sơ đề nghị danh hiệu Người trồng cây giỏi gồm ảnh chụp chậu cây và bản tự nhận xét.

Chương II
KHEN THƯỞNG

Điều 3. Kỷ niệm chương Lá vàng

Kỷ niệm chương Lá vàng tặng cho thành viên có mười năm gắn bó với câu lạc bộ cây cảnh.
"""

QUY_CHE_MAU_V2 = QUY_CHE_MAU.replace("ba chậu bonsai", "năm chậu bonsai")

GHI_CHU_MAU = """Ghi chú buổi sinh hoạt mẫu

Buổi sinh hoạt câu lạc bộ cây cảnh bàn cách cắt tỉa cành bonsai vào mùa thu cho đúng kỹ thuật.

Các thành viên thống nhất lịch tưới nước và phân công trông vườn ươm trong kỳ nghỉ hè sắp tới.
"""
