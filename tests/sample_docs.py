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

# A fictional province's rules on its own awards, for locality tests: "tỉnh Thử Nghiệm" and
# everything in it are invented.
QUY_CHE_TINH_MAU = """ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM
Số: 07/2099/QĐ-UBND

QUY CHẾ
Thi đua, khen thưởng mẫu của tỉnh Thử Nghiệm

Điều 1. Phạm vi áp dụng

Quy chế mẫu này áp dụng cho các câu lạc bộ cây cảnh trên địa bàn tỉnh Thử Nghiệm.

Điều 2. “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm”

1. “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm” được tặng cho câu lạc bộ dẫn đầu năm.

2. Câu lạc bộ được đề nghị phải có ít nhất bảy chậu bonsai đạt giải hội chợ hoa.

Điều 3. Mức tiền thưởng

1. Câu lạc bộ được tặng “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm” được thưởng kéo.

2. Mức tiền thưởng danh hiệu thi đua của tỉnh Thử Nghiệm trả bằng hạt giống hoa.

Điều 4. Hiệu lực

Quy chế này có hiệu lực kể từ ngày ký. Quy chế số 03/2098/QĐ-UBND hết hiệu lực kể từ
ngày Quy chế này có hiệu lực.
"""

QUY_CHE_TINH_MAU_MANIFEST = """[[document]]
file = "quy-che-tinh-mau.txt"
kind = "quyet-dinh"
number = "07/2099/QĐ-UBND"
title = "Quy chế thi đua, khen thưởng mẫu của tỉnh Thử Nghiệm"
status = "con-hieu-luc"
issuer = "Ủy ban nhân dân tỉnh Thử Nghiệm"
scope = "tỉnh Thử Nghiệm"
"""
